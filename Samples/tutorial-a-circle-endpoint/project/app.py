import math

from flask import Flask, jsonify, request

app = Flask(__name__)

@app.route('/', methods=['GET'])
def index():
    return jsonify({"status": "OK"}), 200

@app.route('/calculate', methods=['POST'])
def calculate():
    raw = request.args.get("name")
    if not raw:
        return jsonify({"error": "missing name"}), 400
    try:
        value = float(raw)
        if not math.isfinite(value):
            return jsonify({"error": "negative number"}), 400
    except (TypeError, ValueError):
        return jsonify({"error": "..."}), 400

    if value == 0:
        return jsonify({"error": "0 is not a valid circle area"}), 400

    area = math.pi * value ** 2
    return jsonify({"area": area}), 200

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
