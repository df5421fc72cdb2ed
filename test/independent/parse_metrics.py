"""Parses Prometheus's text exposition format from stdin with the official Python client's
parser (prometheus_client.parser), and prints every family and sample as JSON: an independent
check that GET /metrics is valid text format."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families.append(
        {
            "name": family.name,
            "type": family.type,
            "samples": [
                {"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples
            ],
        }
    )
json.dump(families, sys.stdout)
