"""Regenerate data/compat_matrix.toml from an upstream mmpose git repository and the FAQ tables.

    python tools/generate_matrix.py --repo /path/to/mmpose.git \
        --faq ../shared/reference/mmpose_faq_zh_CN.md=URL --faq-ref v1.3.2:docs/en/faq.md \
        --branches master 0.x main 1.x -o data/compat_matrix.toml

Nothing upstream is executed: harvest reads files with git and parses Python with ast.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from compat import harvest, toml_writer  # noqa: E402
from compat.matrix import SCHEMA_VERSION  # noqa: E402

URL = "https://github.com/open-mmlab/mmpose"

# OpenMMLab's prebuilt-wheel index, as mmcv's own installation docs spell it for each line (read by hand:
# these pages are documentation, not code a harvester can parse).
FIND_LINKS = {
    "url": "https://download.openmmlab.com/mmcv/dist/{cuda}/{torch}/index.html",
    "mmcv-full": {
        "torch": "torch{major}.{minor}.0",
        "source": "https://github.com/open-mmlab/mmcv/blob/v1.4.2/docs/zh_cn/get_started/previous_versions.md",
    },
    "mmcv": {
        "torch": "torch{major}.{minor}",
        "source": "https://github.com/open-mmlab/mmcv/blob/058a3e8c35586d40d3dadbc7256481f9ab02a660/"
        "docs/en/get_started/installation.md",
    },
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, help="git repository of open-mmlab/mmpose (bare is fine)")
    parser.add_argument("--faq", action="append", default=[], metavar="FILE=SOURCE",
                        help="a FAQ file and its provenance; earlier tables win")
    parser.add_argument("--faq-ref", action="append", default=[], metavar="REF:PATH",
                        help="a FAQ file read from the repository at REF")
    parser.add_argument("--branches", nargs="*", default=["master", "0.x", "main", "1.x"])
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()

    repo = harvest.GitRepo(args.repo)
    docs = []
    for item in args.faq:
        path, _, source = item.partition("=")
        with open(path, encoding="utf-8") as handle:
            docs.append(harvest.DocTable(harvest.parse_faq_table(handle.read()), source or path))
    _, heads = repo.refs()
    tags, _ = repo.refs()
    for item in args.faq_ref:
        ref, _, path = item.partition(":")
        text = repo.read(ref, path)
        if text is None:
            parser.error(f"{path} not found at {ref}")
        docs.append(harvest.DocTable(harvest.parse_faq_table(text), f"{URL}/blob/{ref}/{path}"))
    harvested = harvest.harvest_repo(repo, "mmpose", branches=args.branches, url=URL)
    data = {
        "schema": SCHEMA_VERSION,
        "generated": f"open-mmlab/mmpose main@{heads.get('main', '?')[:12]}",
        "generator": "tools/generate_matrix.py",
        "sources": {
            "documented": "FAQ compatibility tables: " + "; ".join(d.source for d in docs),
            "enforced": "the version assertions in mmpose/__init__.py of each tag, parsed with ast",
            "installer": "requirements/mminstall.txt of each tag (what OpenMMLab's mim installs)",
        },
        "find_links": FIND_LINKS,
        "mmpose": harvest.assemble_package("mmpose", URL, harvested, docs),
    }
    header = (
        "The compatibility matrix of mmcompat. Generated: do not edit by hand; see docs/matrix.md.\n"
        "Regenerate with tools/generate_matrix.py from an open-mmlab/mmpose clone."
    )
    text = toml_writer.dump(data, header=header)
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
