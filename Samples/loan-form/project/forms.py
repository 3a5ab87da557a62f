from flask_wtf import FlaskForm
from wtforms import FloatField, IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, NumberRange, ValidationError

class LoanPaymentForm(FlaskForm):
    amount = FloatField("Loan amount (kg)", validators=[InputRequired()])
    rate = FloatField("Yearly interest rate in percent", validators=[InputRequired()])
    years = IntegerField("Number of years", validators=[InputRequired()])
    
    # Add submit field
    submit = SubmitField("Calculate")
    
    # Add positive validator for amount and years
    def positive(form, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError("<the exact message>")
