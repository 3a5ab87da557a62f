from flask import Flask, render_template
from forms import LoanPaymentForm

app = Flask(__name__)
app.config["SECRET_KEY"] = "change-me"
app.config["WTF_CSRF_ENABLED"] = False


@app.route("/", methods=["GET", "POST"])
def index():
    form = LoanPaymentForm()
    result = None
    if form.validate_on_submit():
        amount = form.amount.data
        rate = form.rate.data
        years = form.years.data
        result = {
            "Amount": amount,
            "Rate": rate,
            "Years": years,
            "Monthly Payment": f"{amount / (years * 12):.2f}"
        }
        return render_template("index.html", form=form, result=result)
    return render_template("index.html", form=form, result=result)


@app.route("/monthly_payment", methods=["GET"])
def monthly_payment():
    form = LoanPaymentForm()
    result = None
    if form.validate_on_submit():
        amount = form.amount.data
        rate = form.rate.data
        years = form.years.data
        result = {
            "Amount": amount,
            "Rate": rate,
            "Years": years,
            "Monthly Payment": f"{amount / (years * 12):.2f}"
        }
        return render_template("index.html", form=form, result=result)
    return render_template("index.html", form=form, result=result)


@app.route("/monthly_payment/<amount>/<rate>/<years>")
def monthly_payment_specific(amount, rate, years):
    form = LoanPaymentForm()
    result = None
    if form.validate_on_submit():
        amount = float(amount)
        rate = float(rate)
        years = int(years)
        result = {
            "Amount": amount,
            "Rate": rate,
            "Years": years,
            "Monthly Payment": f"{amount / (years * 12):.2f}"
        }
        return render_template("index.html", form=form, result=result)
    return render_template("index.html", form=form, result=result)


def check_texts():
    texts = ["Monthly payment: 1234.56", "Monthly payment: 1234.56", "Monthly payment: 1234.56"]
    for text in texts:
        assert text in result, f"{text!r} not shown; {said}"
    return texts


def check_formats():
    formats = ["Monthly payment:\\ -?\\d+\\.\\d{2}(?!\\d)", "Monthly payment:\\ -?\\d+\\.\\d{2}(?!\\d)"]
    for text in formats:
        assert re.search(format_pattern(text), shown), f"nothing like {text!r} shown; {said}"
    return formats


def search(formatted_text):
    return re.search(formatted_text, shown)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
