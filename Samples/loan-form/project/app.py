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
            "amount": amount,
            "rate": rate,
            "years": years,
            "monthly_payment": round(amount / (years * 12), 2)
        }
    return render_template("index.html", form=form, result=result)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
