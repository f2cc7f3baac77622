"""``python -m locales init LANG`` / ``python -m locales check``."""

import sys

from locales.catalogs import check_catalogs, fill_source_language, init_catalog


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "init":
        print(f"created {init_catalog(argv[1])}")
        return 0
    if argv == ["fill-source"]:
        print(f"en: {fill_source_language('en')} source messages filled")
        return 0
    if argv == ["check"]:
        problems = check_catalogs()
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problems" if problems else "all catalogs complete")
        return 1 if problems else 0
    print("usage: python -m locales init LANG | check | fill-source", file=sys.stderr)
    return 2


raise SystemExit(main(sys.argv[1:]))
