"""Checks CAMT.053 files against the ISO 20022 schema, as the schema's model.

No package on the registries this project may reach ships the ISO 20022 XSD files themselves.
pyiso20022 (PyPI, MIT) ships the classes xsdata generated from them, with every element's
name, namespace, order, cardinality, type and facet (length, pattern, digits, range, the code
lists). This reads each file with xsdata's parser, refusing any element or attribute the schema
does not have and any value its type does not take, then walks the result and checks every
facet and cardinality the generated metadata records.

Usage: camt_schema_check.py FILE...   (exit 1 on the first file that is not valid)
"""

import dataclasses
import decimal
import enum
import re
import sys

from xsdata.formats.dataclass.parsers import XmlParser
from xsdata.formats.dataclass.parsers.config import ParserConfig

VERSIONS = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d\d)")


def model_for(data):
    found = VERSIONS.search(data)
    if not found:
        raise ValueError("not a camt.053 document (no camt.053.001.xx namespace)")
    version = found.group(1).decode()
    module = __import__(
        f"pyiso20022.camt.camt_053_001_{version}", fromlist=["Document"]
    )
    return module.Document


def digits(value):
    """(total digits, fraction digits) of a decimal's value, as XSD counts them (trailing zeros
    after the point are not part of the value)."""
    _, figures, exponent = value.normalize().as_tuple()
    if exponent >= 0:
        return len(figures) + exponent, 0
    return max(len(figures), -exponent), -exponent


def check(node, path, problems):
    if not dataclasses.is_dataclass(node):
        return
    for f in dataclasses.fields(node):
        meta = f.metadata
        name = meta.get("name", f.name)
        value = getattr(node, f.name)
        here = f"{path}/{name}"
        values = value if isinstance(value, list) else ([] if value is None else [value])
        if meta.get("required") and not values:
            problems.append(f"{here}: required")
        low, high = meta.get("min_occurs"), meta.get("max_occurs")
        if isinstance(value, list):
            if low is not None and len(values) < low:
                problems.append(f"{here}: at least {low}, found {len(values)}")
            if high is not None and len(values) > high:
                problems.append(f"{here}: at most {high}, found {len(values)}")
        for v in values:
            if dataclasses.is_dataclass(v):
                check(v, here, problems)
                continue
            text = v.value if isinstance(v, enum.Enum) else v
            if isinstance(text, str):
                if "min_length" in meta and len(text) < meta["min_length"]:
                    problems.append(f"{here}: shorter than {meta['min_length']}")
                if "max_length" in meta and len(text) > meta["max_length"]:
                    problems.append(f"{here}: longer than {meta['max_length']}")
                if "pattern" in meta and not re.fullmatch(meta["pattern"], text):
                    problems.append(f"{here}: {text!r} does not match {meta['pattern']}")
            if isinstance(text, decimal.Decimal):
                total, fraction = digits(text)
                if "total_digits" in meta and total > meta["total_digits"]:
                    problems.append(f"{here}: more than {meta['total_digits']} digits")
                if "fraction_digits" in meta and fraction > meta["fraction_digits"]:
                    problems.append(f"{here}: more than {meta['fraction_digits']} decimals")
                if "min_inclusive" in meta and text < meta["min_inclusive"]:
                    problems.append(f"{here}: below {meta['min_inclusive']}")


def main(files):
    parser = XmlParser(
        config=ParserConfig(
            fail_on_unknown_properties=True,
            fail_on_unknown_attributes=True,
            fail_on_converter_warnings=True,
        )
    )
    for name in files:
        with open(name, "rb") as f:
            data = f.read()
        try:
            document = parser.from_bytes(data, model_for(data))
        except Exception as e:  # the parser's refusal names the element
            print(f"{name}: NOT VALID: {e}")
            return 1
        problems = []
        check(document, "", problems)
        if problems:
            print(f"{name}: NOT VALID")
            for p in problems:
                print(f"  {p}")
            return 1
        print(f"{name}: valid camt.053 ({model_for(data).__module__})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
