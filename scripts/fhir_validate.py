"""Checks FHIR R4 bundles against the FHIR R4 (4.0.1) resource models of `fhir.resources`.

fhir.resources 6.1.0 (PyPI, BSD) is the last release whose default models are FHIR R4 4.0.1 (the
6.2 line moved to R4B, 7 to R5); it needs pydantic 1. Each file is read as a Bundle, and each
entry's resource again as the model its `resourceType` names, so a field the standard does not
have, a missing required element (Encounter.class, Appointment.participant.status, Consent.scope,
Observation.code, ...), a wrong cardinality or a value of the wrong type (an instant without a
zone, a string where a reference belongs) fails it. The models do not check references, so this
also checks that every `reference` in the bundle names one of its entries' `fullUrl`s, and that
the entries' ids are FHIR ids.

Usage: fhir_validate.py FILE...   (exit 1 on the first file that is not valid)
"""

import json
import re
import sys

import fhir.resources
from fhir.resources import get_fhir_model_class
from fhir.resources.bundle import Bundle

FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def references(value, found):
    if isinstance(value, dict):
        ref = value.get("reference")
        if isinstance(ref, str):
            found.append(ref)
        for v in value.values():
            references(v, found)
    elif isinstance(value, list):
        for v in value:
            references(v, found)
    return found


def check(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    Bundle.parse_obj(data)
    entries = data.get("entry", [])
    full_urls = set()
    kinds = {}
    for n, entry in enumerate(entries):
        resource = entry["resource"]
        kind = resource["resourceType"]
        get_fhir_model_class(kind).parse_obj(resource)
        if not FHIR_ID.match(resource.get("id", "")):
            raise ValueError(f"entry {n}: {kind}.id is not a FHIR id")
        if entry["fullUrl"] in full_urls:
            raise ValueError(f"entry {n}: {entry['fullUrl']} appears twice")
        full_urls.add(entry["fullUrl"])
        kinds[kind] = kinds.get(kind, 0) + 1
    for ref in references(entries, []):
        if ref not in full_urls:
            raise ValueError(f"the reference {ref} names no entry of the bundle")
    return kinds


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    assert fhir.resources.__fhir_version__ == "4.0.1", fhir.resources.__fhir_version__
    for path in paths:
        try:
            kinds = check(path)
        except Exception as e:  # a model's ValidationError, or one of the checks above
            print(f"{path}: not a valid FHIR R4 bundle:\n{e}", file=sys.stderr)
            return 1
        summary = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        print(f"{path}: valid FHIR R4 (4.0.1) bundle: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
