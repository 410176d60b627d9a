"""System libraries a Python package needs that no Python installer brings: recognised in an
installer's or a program's output, named with the package that provides them (Debian/Ubuntu
names; the hint says so). One table for the dependency install and for the project's Django."""

from __future__ import annotations

import re

# (what the output says, the library, the Debian/Ubuntu packages that provide it)
LIBRARIES: tuple[tuple[str, str, str], ...] = (
    (r"Could not find the GDAL library|libgdal\.so|gdal-config", "GDAL", "gdal-bin libgdal-dev"),
    (r"Could not find the GEOS library|libgeos_c", "GEOS", "libgeos-dev"),
    (r"sql\.h: No such file|sqltypes\.h|libodbc\.so", "unixODBC", "unixodbc-dev"),
    (r"pg_config executable not found|libpq-fe\.h: No such file", "libpq", "libpq-dev"),
    (
        r"mysql_config: not found|mysql_config not found|mysqlclient.*pkg-config",
        "the MySQL client",
        "default-libmysqlclient-dev pkg-config",
    ),
    (r"libxml/xmlversion\.h|libxslt/xsltconfig\.h", "libxml2 and libxslt", "libxml2-dev libxslt1-dev"),
    (r"ffi\.h: No such file", "libffi", "libffi-dev"),
    (r"Python\.h: No such file", "the Python headers", "python3-dev"),
    (
        r"jpeglib\.h: No such file|The headers or library files could not be found for jpeg",
        "libjpeg",
        "libjpeg-dev",
    ),
    (r"zlib\.h: No such file|headers or library files could not be found for zlib", "zlib", "zlib1g-dev"),
    (r"failed to find libmagic|libmagic\.so", "libmagic", "libmagic1"),
    (r"cannot load library 'pango|libpango", "Pango", "libpango-1.0-0 libpangoft2-1.0-0"),
    (r"libcairo\.so|cairo\.h: No such file", "cairo", "libcairo2-dev"),
    (r"openssl/\w+\.h: No such file", "OpenSSL headers", "libssl-dev"),
)


def needed(output: str) -> tuple[str, str] | None:
    """(the library, the hint) when the output says a system library is missing."""
    for pattern, library, packages in LIBRARIES:
        if re.search(pattern, output):
            return library, (
                f"{library} is a system library no Python installer brings: install it with the "
                f"system's package manager (Debian/Ubuntu: apt-get install {packages}), then run "
                "devkit up again"
            )
    return None
