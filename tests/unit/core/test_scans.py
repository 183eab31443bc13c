"""Uploaded scans are judged by their content; their stored names are harmless."""

import pytest

from election.scans import MAX_SCAN_BYTES, safe_filename, scan_problem, scan_type


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
    ],
)
def test_pdf_jpeg_and_png_are_recognised_by_their_first_bytes(data, media_type):
    assert scan_type(data) == media_type and scan_problem(data) is None


def test_a_renamed_document_an_empty_or_a_too_big_file_is_refused():
    assert "PDF, JPEG lub PNG" in scan_problem(b"PK\x03\x04 docx")
    assert scan_problem(b"")
    assert "5 MB" in scan_problem(b"%PDF-" + b"0" * MAX_SCAN_BYTES)


def test_a_stored_name_keeps_no_path_and_gets_its_real_extension():
    assert safe_filename("../../pełnomocnictwo.exe", "application/pdf") == "pełnomocnictwo.pdf"
    assert safe_filename(None, "image/png", "pelnomocnictwo") == "pelnomocnictwo.png"
