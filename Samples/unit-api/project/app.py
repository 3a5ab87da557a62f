"""LengthConverter: a JSON API."""
import math
from datetime import date

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/convert", methods=["GET"])
def convert():
    try:
        km = float(request.args["km"])
    except (KeyError, ValueError):
        return jsonify({"error": "km is missing or not valid"}), 400
    if not math.isfinite(km):
        return jsonify({"error": "km is not a number"}), 400
    if km < 0:
        return jsonify({"error": "km must not be negative"}), 400
    miles = km * 0.621371
    return jsonify({"km": km, "miles": miles}), 200


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
