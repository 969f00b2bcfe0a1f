"""`python -m data publication draft|publicize|publish|verify|list`: the yearly appraisal's
publication from the shell. Whoever runs it acts as an administrator (`cli:<login>` in the audit log)."""

from __future__ import annotations

from datetime import date

from data import publication
from data.clock import local_today
from data.migrate import ready_engine
from data.models import PUBLICATION_STATES
from data.user_cli import cli_actor
from data.viewer import Viewer


def _viewer() -> Viewer:
    return Viewer(cli_actor(), "admin")


def cmd_publication(args) -> int:
    engine = ready_engine()
    viewer = _viewer()
    if args.pub_cmd == "list":
        with engine.connect() as conn:
            for p in publication.versions(conn, viewer, args.year):
                period = f"公示 {p['publicity_start']}～{p['publicity_end']}" if p["publicity_start"] else ""
                print(
                    f"{p['id']:>4}  第 {p['version']} 版  {PUBLICATION_STATES[p['state']]}  {period}  "
                    f"输入摘要 {p['input_digest'][:12]}"
                )
        return 0
    if args.pub_cmd == "verify":  # the same check as python -m metrics verify
        from metrics.publications import verify_year

        lines, passed = verify_year(engine, args.year)
        print("\n".join(lines))
        return 0 if passed else 1
    with engine.begin() as conn:
        if args.pub_cmd == "draft":
            pub_id = publication.draft(conn, viewer, args.year, args.note)
            print(f"已起草 {args.year} 年度考核结果发布版本 {pub_id}")
        elif args.pub_cmd == "publicize":
            end = publication.publicize(conn, viewer, args.id, date.fromisoformat(args.start), args.workdays)
            print(f"版本 {args.id} 开始公示，公示期至 {end:%Y-%m-%d}")
        else:
            publication.publish(conn, viewer, args.id, date.fromisoformat(args.today) if args.today else local_today())
            print(f"版本 {args.id} 已发布")
    return 0


def add_publication_parser(sub) -> None:
    p = sub.add_parser("publication", help="yearly appraisal: draft → 公示 → publish, verify")
    psub = p.add_subparsers(dest="pub_cmd", required=True)
    d = psub.add_parser("draft", help="new version from the year's latest computed snapshot")
    d.add_argument("--year", type=int, required=True)
    d.add_argument("--note")
    z = psub.add_parser("publicize", help="open the 公示期")
    z.add_argument("id", type=int)
    z.add_argument("--start", required=True, help="first day (YYYY-MM-DD)")
    z.add_argument("--workdays", type=int, help="length in working days (default: the scheme's)")
    b = psub.add_parser("publish", help="freeze a version after its 公示期")
    b.add_argument("id", type=int)
    b.add_argument("--today", help="local date (default: today)")
    for name in ("verify", "list"):
        psub.add_parser(name).add_argument("--year", type=int, required=True)
    p.set_defaults(func=cmd_publication)
