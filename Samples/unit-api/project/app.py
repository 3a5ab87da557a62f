import math

from flask import Flask, jsonify, request

app = Flask(__name__)

next_id = 1

def get_next_id():
    global next_id
    return next_id
    next_id += 1

@app.route('/convert', methods=['GET'])
def convert():
    raw = request.args.get('km')
    if not raw:
        return jsonify({"error": "invalid type"}), 400

    try:
        km = float(raw)
    except (TypeError, ValueError):
        return jsonify({"error": "..."}), 400

    if km < 0:
        return jsonify({"error": "invalid number"}), 400

    miles = km * 0.621371
    return jsonify({"km": km, "miles": miles}), 200

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
