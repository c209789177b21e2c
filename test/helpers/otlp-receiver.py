"""An OTLP/HTTP metrics receiver that decodes with OpenTelemetry's own generated classes
(opentelemetry-proto) and Google's protobuf runtime: binary protobuf, and the proto3 JSON mapping
through json_format, which rejects unknown fields and wrongly typed values. It records what it was
sent, for the test to read back from GET /requests. Loopback only; stops on SIGTERM.

Usage: python3 otlp-receiver.py   (prints "listening PORT" once it accepts connections)
"""

import gzip
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2

requests = []


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, code, content_type, body):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/requests":
            return self.answer(404, "text/plain", b"not found\n")
        self.answer(200, "application/json", json.dumps(requests).encode())

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding", "") == "gzip":
            body = gzip.decompress(body)
        content_type = self.headers.get("Content-Type", "")
        seen = {
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
        }
        requests.append(seen)
        message = metrics_service_pb2.ExportMetricsServiceRequest()
        try:
            if content_type.startswith("application/json"):
                json_format.Parse(body.decode("utf-8"), message)
            elif content_type.startswith("application/x-protobuf"):
                message.ParseFromString(body)
                # Nothing unknown, nothing out of order: the bytes are what this runtime writes.
                seen["canonical"] = message.SerializeToString(deterministic=True) == body
            else:
                raise ValueError("unsupported content type " + content_type)
        except Exception as err:  # noqa: BLE001 - any decoding failure is the answer
            seen["error"] = str(err)
            return self.answer(400, "text/plain", ("cannot decode: %s\n" % err).encode())
        seen["message"] = json_format.MessageToDict(message)
        response = metrics_service_pb2.ExportMetricsServiceResponse()
        if content_type.startswith("application/json"):
            self.answer(200, "application/json", json_format.MessageToJson(response).encode())
        else:
            self.answer(200, "application/x-protobuf", response.SerializeToString())


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
