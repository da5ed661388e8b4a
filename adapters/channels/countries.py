"""ISO 3166-1 alpha-3 -> alpha-2 (Mirakl sends alpha-3).

pycountry has the full table when it is installed (schwifty brings it); the
small table below covers our markets without it.
"""

from __future__ import annotations

_NEAR = {
    "CHE": "CH", "LIE": "LI", "DEU": "DE", "AUT": "AT", "FRA": "FR", "ITA": "IT",
    "BEL": "BE", "NLD": "NL", "LUX": "LU", "ESP": "ES", "PRT": "PT", "GBR": "GB",
    "IRL": "IE", "DNK": "DK", "SWE": "SE", "NOR": "NO", "FIN": "FI", "POL": "PL",
    "CZE": "CZ", "SVK": "SK", "HUN": "HU", "SVN": "SI", "HRV": "HR", "GRC": "GR",
    "USA": "US", "CAN": "CA", "MCO": "MC", "SMR": "SM", "VAT": "VA", "AND": "AD",
}  # fmt: skip


def alpha2(code: str) -> str | None:
    """The alpha-2 code for an alpha-3 (or an alpha-2 passed through), None when unknown."""
    code = (code or "").strip().upper()
    if len(code) == 2 and code.isalpha():
        return code
    if code in _NEAR:
        return _NEAR[code]
    try:
        import pycountry
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    found = pycountry.countries.get(alpha_3=code)
    return str(found.alpha_2) if found is not None else None
