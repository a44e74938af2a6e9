"""Signs requests with botocore's S3 signers, the oracle of SigV4OracleTests.

Reads a JSON list of requests on standard input (decoded path and query, headers, body in base64,
credentials, region, timestamp, "header" or "query" form) and writes, for each, botocore's canonical
request, string to sign, signature and the signed URL or Authorization header. The URL is built here
with Python's own percent-encoding, independently of the client under test.
"""

import base64
import datetime
import json
import sys
from urllib.parse import quote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials


class Recording:
    """Keeps the canonical request and string to sign that the signer computed."""

    def canonical_request(self, request):
        self.recorded_canonical = super().canonical_request(request)
        return self.recorded_canonical

    def string_to_sign(self, request, canonical_request):
        self.recorded_sts = super().string_to_sign(request, canonical_request)
        return self.recorded_sts

    def signature(self, string_to_sign, request):
        self.recorded_signature = super().signature(string_to_sign, request)
        return self.recorded_signature


class HeaderSigner(Recording, botocore.auth.S3SigV4Auth):
    pass


class QuerySigner(Recording, botocore.auth.S3SigV4QueryAuth):
    pass


def sign(item):
    when = datetime.datetime.strptime(item["timestamp"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    botocore.auth.get_current_datetime = lambda: when
    url = f"{item['scheme']}://{item['host']}{quote(item['path'], safe='/~')}"
    if item["query"]:
        url += "?" + "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in item["query"])
    body = base64.b64decode(item["body"])
    request = AWSRequest(method=item["method"], url=url, data=body)
    for name, value in item["headers"]:
        request.headers[name] = value  # appends: repeated names are kept in order
    if item["unsigned_payload"]:
        request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    credentials = Credentials(item["access_key"], item["secret_key"], item.get("token"))
    if item["form"] == "header":
        signer = HeaderSigner(credentials, "s3", item["region"])
    else:
        signer = QuerySigner(credentials, "s3", item["region"], expires=item["expires"])
    signer.add_auth(request)
    return {
        "canonical_request": signer.recorded_canonical,
        "string_to_sign": signer.recorded_sts,
        "signature": signer.recorded_signature,
        "authorization": request.headers.get("Authorization"),
        "url": request.url,
    }


if __name__ == "__main__":
    json.dump([sign(item) for item in json.load(sys.stdin)], sys.stdout)
