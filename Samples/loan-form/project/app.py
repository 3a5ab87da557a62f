from flask import Flask, render_template, request, redirect, url_for
from forms import LoanPaymentForm

app = Flask(__name__)
app.config["SECRET_KEY"] = "change-me"
app.config["WTF_CSRF_ENABLED"] = False

@app.route('/')
def index():
    form = LoanPaymentForm()
    return render_template("index.html", form=form)

@app.route('/submit', methods=["POST"])
def submit():
    form = LoanPaymentForm()
    if form.validate_on_submit():
        amount = form.amount.data
        rate = form.rate.data
        years = form.years.data
        result = calculate_payment(amount, rate, years)
        return render_template("index.html", form=form, result=result)
    return render_template("index.html", form=form)

def calculate_payment(amount, rate, years):
    if amount <= 0 or years <= 0:
        return "Error: Amount and years must be greater than zero."
    monthly_payment = amount / (years * 12)
    return f"{monthly_payment:.1f}"

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
