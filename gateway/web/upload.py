"""Reading an upload into memory only, within the node's size caps (gateway/limits.py).

Starlette spools a file part over 1 MiB to a temporary file; an uploaded credential must never
touch the disk, so the parser here keeps every part in memory, and the whole body is capped
before it is parsed: a credential (max_credential_bytes) plus MAX_RECEIPTS receipts
(MAX_RECEIPT_BYTES each) plus room for the multipart framing.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from gateway.errors import InvalidRequestError
from gateway.limits import Limits
from gateway.log.receipt import MAX_RECEIPT_BYTES

MAX_RECEIPTS = 8  # one per log a dataset passed through, with room to spare
FRAMING_BYTES = 64 * 1024


class UploadError(InvalidRequestError):
    """An upload the page cannot take; `status` is the HTTP status to answer with."""

    reason = "UPLOAD_REFUSED"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Upload:
    """The bytes of the credential and of each receipt, in memory."""

    credential: bytes
    receipts: tuple[bytes, ...]


def body_cap(limits: Limits) -> int:
    """The most bytes one POST may carry."""
    return limits.max_credential_bytes + MAX_RECEIPTS * MAX_RECEIPT_BYTES + FRAMING_BYTES


class _InMemoryParser(MultiPartParser):
    """Starlette's parser with spooling above any body we accept: parts stay in memory."""

    spool_max_size = 1 << 62


async def read_upload(request: Request, limits: Limits) -> Upload:
    """The credential and receipts of a multipart POST; UploadError (413/400) otherwise."""
    cap = body_cap(limits)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise UploadError(f"upload of {declared} bytes is over {cap}", 413)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UploadError("send the files as multipart/form-data", 415)
    parser = _InMemoryParser(
        request.headers, _capped(request, cap), max_files=1 + MAX_RECEIPTS, max_fields=4
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise UploadError(f"unreadable upload: {exc}", 400) from exc
    try:
        files = [f for f in form.getlist("credential") if isinstance(f, UploadFile)]
        receipts = [f for f in form.getlist("receipt") if isinstance(f, UploadFile)]
        credential = await files[0].read() if files else b""
        if not credential:
            raise UploadError("no credential file", 400)
        if len(credential) > limits.max_credential_bytes:
            raise UploadError("credential over max_credential_bytes", 413)
        kept = [await r.read() for r in receipts]
    finally:
        await form.close()
    return Upload(credential, tuple(r for r in kept if r))


async def _capped(request: Request, cap: int) -> AsyncGenerator[bytes, None]:
    """The body, refused (413) once it passes `cap` whatever Content-Length said."""
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > cap:
            raise UploadError(f"upload over {cap} bytes", 413)
        yield chunk
