from flask_wtf import FlaskForm
from wtforms import FloatField, IntegerField, SubmitField
from wtforms.validators import InputRequired


class LoanPaymentForm(FlaskForm):
    amount = FloatField("Amount", validators=[InputRequired()])
    rate = FloatField("Rate", validators=[InputRequired()])
    years = IntegerField("Years", validators=[InputRequired()])
    submit = SubmitField("Monthly payment")
