import math

from flask import Flask, jsonify, request

app = Flask(__name__)

@app.route('/circle', methods=['GET'])
def circle():
    raw = request.args.get("name")
    if not raw:
        return jsonify({"error": "name is required"}), 400

    try:
        value = float(raw)
        if not math.isfinite(value):
            return jsonify({"error": "value must be a number"}), 400
    except ValueError:
        return jsonify({"error": "value must be a number"}), 400

    if value < 0:
        return jsonify({"error": "value cannot be negative"}), 400

    area = math.pi * value ** 2
    return jsonify({"area": area}), 200


@app.route("/", methods=["GET"])
def index():
    return jsonify({"status": "ok"}), 200


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
