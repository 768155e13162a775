"""Password protection for copies sent to patients (AES-256).

Printing and text extraction stay allowed: screen readers read the text of a
protected PDF only when extraction is permitted. The structure tree is kept,
so the copy stays tagged. Encryption draws a fresh random key each time, so
protected copies are the one output that is not byte-identical between runs.
"""

from __future__ import annotations

import io
import secrets

from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions as Allow

ALLOWED = Allow.PRINT | Allow.PRINT_TO_REPRESENTATION | Allow.EXTRACT | Allow.EXTRACT_TEXT_AND_GRAPHICS


def encrypt(pdf: bytes, password: str) -> bytes:
    """The same PDF, opened only with ``password``."""
    if not password:
        raise ValueError("the password is empty")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    # The owner password is thrown away: nobody can lift the restrictions later.
    writer.encrypt(user_password=password, owner_password=secrets.token_urlsafe(24),
                   algorithm="AES-256", permissions_flag=ALLOWED)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
