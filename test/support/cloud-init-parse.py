"""Runs cloud-init's own user-data code on user data; prints what cloud-init makes of it, as JSON.

Reads a JSON list of base64-encoded user data blobs on stdin; prints a JSON list with, for each: every
part cloud-init's UserDataProcessor finds (content type, payload, headers), the cloud-config its
CloudConfigPartHandler merges from the cloud-config parts, and every warning cloud-init logged on the
way. Nothing runs: scripts and boothooks are only listed. `#include` URLs are read by cloud-init itself
(give it file:// URLs). Run it as `/usr/bin/python3 -S` with PYTHONPATH set to the unpacked package
(scripts/setup-cloud-init.sh), so nothing installed on the host takes part.
"""
import base64
import json
import logging
import sys
import tempfile

from cloudinit import handlers, helpers, user_data
from cloudinit.handlers.cloud_config import CloudConfigPartHandler
from cloudinit.settings import PER_INSTANCE


class Datasource:
    """Only the instance id, which cloud-init's paths ask for."""

    def get_instance_id(self):
        return "iid-machina-test"


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def parse(blob, work):
    warnings = Collect()
    logging.getLogger().addHandler(warnings)
    try:
        paths = helpers.Paths({"cloud_dir": work, "run_dir": work}, ds=Datasource())
        message = user_data.UserDataProcessor(paths).process(blob)

        parts = []
        for part in message.walk():
            if part.get_content_maintype() == "multipart":
                continue
            payload = part.get_payload(decode=True) or b""
            parts.append(
                {
                    "contentType": part.get_content_type(),
                    "payload": payload.decode("utf-8", errors="replace"),
                    "headers": {k: str(v) for k, v in part.items()},
                }
            )

        # The cloud-config the instance ends up with, merged the way stages.Init does it.
        cloud_config = CloudConfigPartHandler(paths)
        cloud_config.cloud_fn = None
        others = sorted({p["contentType"] for p in parts} - set(cloud_config.list_types()))
        registry = helpers.ContentHandlers()
        registry.register(cloud_config, initialized=True)
        handlers.call_begin(cloud_config, None, PER_INSTANCE)
        handlers.walk(
            message,
            handlers.walker_callback,
            data={"handlers": registry, "handlerdir": work, "data": None, "frequency": PER_INSTANCE, "handlercount": 0, "excluded": others},
        )
        return {"parts": parts, "cloudConfig": cloud_config.cloud_buf, "warnings": warnings.messages}
    finally:
        logging.getLogger().removeHandler(warnings)


def main():
    blobs = [base64.b64decode(b) for b in json.load(sys.stdin)]
    results = []
    for blob in blobs:
        with tempfile.TemporaryDirectory() as work:
            results.append(parse(blob, work))
    json.dump(results, sys.stdout, default=str)


main()
