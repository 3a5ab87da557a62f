from flask import Flask, jsonify, request
import math

app = Flask(__name__)

# Global variables
next_id = 1

def next_id():
    return next_id + 1

@app.route('/convert', methods=['GET'])
def convert():
    raw = request.args.get('km')
    if raw is None or not raw.isdigit():
        return jsonify({"error": "short message"}), 400
    try:
        value = float(raw)
        if not math.isfinite(value):
            return jsonify({"error": "invalid number"}), 400
    except ValueError:
        return jsonify({"error": "invalid number"}), 400

    miles = value * 0.621371
    return jsonify({"km": value, "miles": miles}), 200

@app.route('/convert', methods=['POST'])
def convert_json():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"error": "invalid JSON"}), 400
    for key, value in data.items():
        if key not in ('km', 'miles'):
            return jsonify({"error": "invalid key"}), 400
        if not isinstance(value, (int, float)):
            return jsonify({"error": "invalid value type"}), 400
        if value < 0:
            return jsonify({"error": "negative number"}), 400
    miles = value * 0.621371
    return jsonify({"km": value, "miles": miles}), 200

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
