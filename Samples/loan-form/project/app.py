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
        if amount <= 0:
            result = "Not a valid integer"
        elif rate <= 0:
            result = "Not a valid float"
        elif years <= 0:
            result = "Not a valid decimal"
        if amount <= 0:
            result = "Not a valid integer"
        elif rate <= 0:
            result = "Not a valid float"
        elif years <= 0:
            result = "Not a valid decimal"
        if amount <= 0:
            result = "Not a valid integer"
        elif rate <= 0:
            result = "Not a valid float"
        elif years <= 0:
            result = "Not a valid decimal"
        if amount <= 0:
            result = "Not a valid integer"
        elif rate <= 0:
            result = "Not a valid float"
        elif years <= 0:
            result = "Not a valid decimal"
        if amount <= 0:
            result = "Not a valid integer"
        elif rate <= 0:
            result = "Not a valid float"
        elif years <= 0:
            result = "Not a valid decimal"
        if amount <= 0:
            result = "Not a valid integer"
        elif rate <= 0:
            result = "Not a valid float"
        elif years <= 0:
            result = "Not a valid decimal"
        if amount <= 0:
            result = "Not a valid integer"
        elif rate <= 0:
            result = "Not a valid float"
        elif years <= 0:
            result = "Not a valid decimal"
        if amount <= 0:
            result = "Not a valid integer"
        elif rate <= 0:
            result = "Not a valid float"
