from app.downloads import content_disposition, file_name


def test_download_names_keep_the_partnerships_own_characters():
    name = file_name("Northwind–Contoso Supply Alliance", "v1.0", extension="pdf")
    assert name == "Northwind–Contoso-Supply-Alliance-v1.0.pdf"
    header = content_disposition(name)
    assert "filename*=UTF-8''Northwind%E2%80%93Contoso-Supply-Alliance-v1.0.pdf" in header
    assert 'filename="Northwind-Contoso-Supply-Alliance-v1.0.pdf"' in header
    assert header.startswith("attachment; ")


def test_hostile_names_cannot_break_the_header_or_leave_the_folder():
    name = file_name('../../etc/"passwd"\r\nSet-Cookie: x=1; a', "draft", extension="pdf")
    header = content_disposition(name)
    assert "/" not in name and "\\" not in name and "\r" not in header and "\n" not in header
    assert header.count('"') == 2
    assert file_name("", "draft", extension="pdf") == "draft.pdf"
    assert content_disposition("Ωμέγα.pdf").startswith('attachment; filename="download.pdf"; ')
    assert content_disposition("Café Zürich.csv").startswith('attachment; filename="Cafe-Zurich.csv"; ')
