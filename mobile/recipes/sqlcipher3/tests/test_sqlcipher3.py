def test_encrypts_and_reopens(tmp_path):
    """The embedded SQLCipher encrypts with a raw key, refuses a wrong one and reopens."""
    import sqlcipher3.dbapi2 as dbapi

    path = str(tmp_path / "t.db")
    key = "x'" + "11" * 32 + "'"
    db = dbapi.connect(path)
    db.execute(f'PRAGMA key = "{key}"')
    db.execute("CREATE TABLE t(v TEXT)")
    db.execute("INSERT INTO t VALUES ('geheim')")
    db.commit()
    assert db.execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
    db.close()
    with open(path, "rb") as f:
        data = f.read()
    assert b"geheim" not in data and not data.startswith(b"SQLite format 3")

    wrong = dbapi.connect(path)
    wrong.execute(f'PRAGMA key = "x\'{"22" * 32}\'"')
    try:
        wrong.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except dbapi.DatabaseError:
        pass
    else:
        raise AssertionError("a wrong key opened the database")

    again = dbapi.connect(path)
    again.execute(f'PRAGMA key = "{key}"')
    assert again.execute("SELECT v FROM t").fetchone() == ("geheim",)


def test_links_the_runtime_openssl():
    """The crypto provider is OpenSSL (the runtime's libcrypto), not a stub."""
    import sqlcipher3.dbapi2 as dbapi

    db = dbapi.connect(":memory:")
    db.execute("PRAGMA key = 'x'")
    assert db.execute("PRAGMA cipher_provider").fetchone()[0] == "openssl"
