"""The CA bundle that clients created with ``verify=True`` trust.

The wheel bundles Debian's libcurl, whose compiled-in CA file is
``/etc/ssl/certs/ca-certificates.crt``. On a host without that file (RHEL, Fedora, SUSE,
Alpine, ...) libcurl would trust nothing, so the binding names the host's own bundle:

1. ``$SSL_CERT_FILE`` when set (OpenSSL's own variable; it wins everywhere);
2. nothing (libcurl's compiled-in file) when ``/etc/ssl/certs/ca-certificates.crt`` exists;
3. else the first of :data:`HOST_BUNDLES` that exists;
4. else nothing: libcurl's default, and HTTPS fails with a TLS error until ``verify`` names
   a CA file or ``SSL_CERT_FILE`` is set.
"""

from __future__ import annotations

import os
from typing import Callable, Mapping, Optional

__all__ = ["COMPILED_IN", "HOST_BUNDLES", "ca_file_for_verify"]

#: The CA file compiled into the libcurl that the wheel bundles (Debian's).
COMPILED_IN = "/etc/ssl/certs/ca-certificates.crt"
#: Where other distributions keep their PEM bundle, in the order they are tried.
HOST_BUNDLES = (
    "/etc/pki/tls/certs/ca-bundle.crt",  # RHEL, CentOS, Fedora, Amazon Linux
    "/etc/ssl/ca-bundle.pem",  # openSUSE, SLES
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # RHEL family, the extracted store
    "/etc/ssl/cert.pem",  # Alpine, Arch
)


def ca_file_for_verify(
    environ: Mapping[str, str] = os.environ, is_file: Callable[[str], bool] = os.path.isfile
) -> Optional[str]:
    """The CA file to give a client created with ``verify=True``, or None to keep libcurl's
    compiled-in one (see the module's docstring for the order). ``environ`` and ``is_file``
    are parameters so that tests can fake the host."""
    from_env = environ.get("SSL_CERT_FILE", "")
    if from_env:
        return from_env
    if is_file(COMPILED_IN):
        return None
    return next((path for path in HOST_BUNDLES if is_file(path)), None)
