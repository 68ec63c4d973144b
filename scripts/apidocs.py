#!/usr/bin/env python3
"""The API reference of `make docs` (dist/docs) and its coverage checks (`make test`'s apidocs).

    apidocs.py build OUT      OUT/python.html (the installed `faceauth` package: its docstrings,
                              with the signatures of its stubs) and OUT/c.html (faceauth.h and
                              faceauth.hpp, each declaration with its comment); scripts/docs.sh
                              adds rustdoc, the Go reference and the index
    apidocs.py check          every gap of the Python package (at runtime and in the stubs), of
                              faceauth.h and of faceauth.hpp; exits 1 when there is one
    apidocs.py check-python [--stub PYI] [--module NAME]...
    apidocs.py check-c [--header H] [--hpp HPP]
                              one language's check, on other files (tests/apidocs uses them)

Standard library only and offline. Python: every name of `faceauth.__all__` and of
`faceauth.testing.__all__`, and every public method and property of their classes, has a
`__doc__` at runtime (a pyo3 item's `///` docs); every public class, function, method, property
and attribute of the stubs (`_native.pyi`) has a docstring (one per group of @overload). C: every
macro, type, enumerator, struct field and function of faceauth.h has a comment before it. C++:
every class, struct, function, constructor and public member of namespace faceauth (not
faceauth::detail) in faceauth.hpp has a comment before it; consecutive data members may share
one, and a nested class's members (the iterator protocol) are exempt.
"""

from __future__ import annotations

import argparse
import ast
import html
import importlib
import inspect
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent
STUB = ROOT / "python/py_src/faceauth/_native.pyi"
HEADER = ROOT / "include/faceauth.h"
HPP = ROOT / "include/faceauth.hpp"
MODULES = ["faceauth", "faceauth.testing"]


# == Python ===================================================================================


def has_doc(obj: object) -> bool:
    doc = getattr(obj, "__doc__", None)
    return isinstance(doc, str) and bool(doc.strip())


def own_doc(cls: type) -> bool:
    """The class's own docstring (not one inherited from a base such as Exception)."""
    doc = cls.__dict__.get("__doc__")
    return isinstance(doc, str) and bool(doc.strip())


def is_routine(value: object) -> bool:
    return callable(value) or isinstance(value, (property, classmethod, staticmethod)) or inspect.isdatadescriptor(value)


def stub_docstring(body: list[ast.stmt]) -> Optional[str]:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        value = body[0].value.value
        if isinstance(value, str) and value.strip():
            return value
    return None


def attribute_docs(body: list[ast.stmt]) -> dict[str, Optional[str]]:
    """Annotated attributes of a module or class body, each with the string that follows it."""
    docs: dict[str, Optional[str]] = {}
    for i, node in enumerate(body):
        target = None
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target = node.target.id
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
        if target is None:
            continue
        nxt = body[i + 1] if i + 1 < len(body) else None
        docs[target] = stub_docstring([nxt]) if nxt is not None else None
    return docs


def is_property(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list)


def is_overload(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list)


def check_stub(path: Path) -> list[str]:
    """Every public class, function, method, property and attribute of a stub has a docstring."""
    tree = ast.parse(path.read_text(), str(path))
    gaps: list[str] = []

    def body_gaps(body: list[ast.stmt], prefix: str) -> None:
        documented: dict[str, bool] = {}  # an @overload group needs one docstring
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                if stub_docstring(node.body) is None:
                    gaps.append(f"{path.name}:{node.lineno}: class {prefix}{node.name} has no docstring")
                body_gaps(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                ok = stub_docstring(node.body) is not None
                if is_overload(node):
                    documented[node.name] = documented.get(node.name, False) or ok
                    documented.setdefault(f"@{node.name}", False)
                    continue
                if not ok:
                    kind = "property" if is_property(node) else "def"
                    gaps.append(f"{path.name}:{node.lineno}: {kind} {prefix}{node.name} has no docstring")
        for name, ok in documented.items():
            if not name.startswith("@") and not ok:
                gaps.append(f"{path.name}: def {prefix}{name} (every @overload) has no docstring")
        for name, doc in attribute_docs(body).items():
            if not name.startswith("_") and doc is None:
                gaps.append(f"{path.name}: attribute {prefix}{name} has no docstring")

    body_gaps(tree.body, "")
    return gaps


def module_attribute_doc(module: Any, name: str) -> Optional[str]:
    """The docstring after `name = …` in a pure-Python module's source."""
    try:
        source = inspect.getsource(module)
    except (OSError, TypeError):
        return None
    return attribute_docs(ast.parse(source).body).get(name)


def check_runtime(module_names: list[str]) -> list[str]:
    """Every name in each module's __all__, and every public method and property of its classes,
    has a __doc__ (for a plain value: the docstring after its assignment)."""
    gaps: list[str] = []
    for module_name in module_names:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            if name.startswith("__"):
                continue
            obj = getattr(module, name)
            where = f"{module_name}.{name}"
            if inspect.isclass(obj):
                if not own_doc(obj):
                    gaps.append(f"{where} has no docstring")
                for attr, value in vars(obj).items():
                    if attr.startswith("_") or not is_routine(value):
                        continue  # plain class values (exception fields): documented in the stubs
                    if not has_doc(value):
                        gaps.append(f"{where}.{attr} has no docstring")
            elif inspect.isroutine(obj):
                if not has_doc(obj):
                    gaps.append(f"{where} has no docstring")
            elif module_attribute_doc(module, name) is None:
                gaps.append(f"{where} has no docstring")
    return gaps


def stub_signatures(path: Path) -> dict[str, str]:
    """`Name` and `Class.member` → the stub's signature text."""
    tree = ast.parse(path.read_text(), str(path))
    sigs: dict[str, str] = {}

    def sig(node: ast.FunctionDef, skip_self: bool) -> str:
        args = node.args
        if skip_self and args.args and args.args[0].arg in ("self", "cls"):
            args = ast.arguments(
                posonlyargs=args.posonlyargs, args=args.args[1:], vararg=args.vararg,
                kwonlyargs=args.kwonlyargs, kw_defaults=args.kw_defaults, kwarg=args.kwarg,
                defaults=args.defaults[-len(args.args) + 1:] if len(args.defaults) >= len(args.args) else args.defaults,
            )
        ret = f" -> {ast.unparse(node.returns)}" if node.returns else ""
        return f"({ast.unparse(args)}){ret}"

    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            sigs.setdefault(node.name, "")
            sigs[node.name] += ("\n" if sigs[node.name] else "") + node.name + sig(node, False)
        elif isinstance(node, ast.ClassDef):
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            sigs[node.name] = f"class {node.name}" + (f"({bases})" if bases else "")
            for member in node.body:
                if isinstance(member, ast.FunctionDef):
                    key = f"{node.name}.{member.name}"
                    text = (f"{member.name}: {ast.unparse(member.returns)}" if is_property(member) and member.returns
                            else member.name + sig(member, True))
                    sigs[key] = sigs[key] + "\n" + text if key in sigs else text
                elif isinstance(member, ast.AnnAssign) and isinstance(member.target, ast.Name):
                    sigs[f"{node.name}.{member.target.id}"] = f"{member.target.id}: {ast.unparse(member.annotation)}"
    return sigs


def stub_member_docs(path: Path) -> dict[str, str]:
    """`Class.attribute` → docstring, for the stubs' documented attributes (exception fields)."""
    tree = ast.parse(path.read_text(), str(path))
    docs: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for name, doc in attribute_docs(node.body).items():
                if doc:
                    docs[f"{node.name}.{name}"] = doc
    return docs


def doc_html(doc: Optional[str]) -> str:
    if not doc:
        return ""
    text = html.escape(inspect.cleandoc(doc))
    text = re.sub(r"``([^`]+)``|`([^`]+)`", lambda m: f"<code>{m.group(1) or m.group(2)}</code>", text)
    paragraphs = re.split(r"\n\s*\n", text)
    return "".join(f"<p>{p}</p>" for p in paragraphs)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }}
pre, code {{ font-family: ui-monospace, monospace; font-size: 0.92em; }}
pre {{ background: #f5f5f5; padding: 0.5rem 0.75rem; overflow-x: auto; }}
.item {{ border-top: 1px solid #ddd; margin-top: 1.2rem; }}
.member {{ margin-left: 1.5rem; }}
nav a {{ margin-right: 0.75rem; }}
</style></head>
<body><nav><a href="index.html">API reference</a></nav>
<h1>{title}</h1>
{body}
</body></html>
"""


def python_html() -> str:
    sigs = stub_signatures(STUB)
    attr_docs = stub_member_docs(STUB)
    parts: list[str] = []
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        parts.append(f'<h2 id="{module_name}">{module_name}</h2>{doc_html(module.__doc__)}')
        index = ", ".join(f'<a href="#{module_name}.{n}"><code>{n}</code></a>'
                          for n in getattr(module, "__all__", []) if not n.startswith("__"))
        parts.append(f"<p>{index}</p>")
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            anchor = f"{module_name}.{name}"
            if name == "__version__":
                parts.append(f'<div class="item" id="{anchor}"><pre>__version__ = {html.escape(repr(obj))}</pre>'
                             "<p>The package's version (the workspace's).</p></div>")
                continue
            if inspect.isclass(obj):
                sig = sigs.get(name) or f"class {name}"
                doc = obj.__dict__.get("__doc__")
            elif inspect.isroutine(obj):
                sig = sigs.get(name) or f"{name}{getattr(obj, '__text_signature__', None) or '(...)'}"
                doc = obj.__doc__
            else:
                sig = f"{name} = {obj!r}"
                doc = module_attribute_doc(module, name)
            parts.append(f'<div class="item" id="{anchor}"><pre>{html.escape(sig)}</pre>{doc_html(doc)}')
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    key = f"{name}.{attr}"
                    if is_routine(value):
                        member_doc = getattr(value, "__doc__", None)
                    else:
                        member_doc = attr_docs.get(key)
                    member_sig = sigs.get(key) or attr
                    parts.append(f'<div class="member" id="{anchor}.{attr}"><pre>{html.escape(member_sig)}</pre>'
                                 f"{doc_html(member_doc)}</div>")
            parts.append("</div>")
    return PAGE.format(title="faceauth (Python)", body="\n".join(parts))


# == C ========================================================================================


@dataclass
class CItem:
    kind: str
    name: str
    decl: str
    doc: Optional[str]
    line: int
    members: list[CItem] = field(default_factory=list)


def comment_text(lines: list[str]) -> str:
    out = []
    for line in lines:
        s = line.strip()
        s = re.sub(r"^/\*\*?|\*/$", "", s).strip()
        s = re.sub(r"^\*\s?", "", s)
        s = re.sub(r"^///?\s?", "", s)
        out.append(s)
    return "\n".join(out).strip()


def parse_header(path: Path) -> list[CItem]:
    """faceauth.h as cbindgen writes it: each item with the /** */ block just before it."""
    lines = path.read_text().splitlines()
    items: list[CItem] = []
    pending: Optional[list[str]] = None  # the comment block just read
    in_comment: Optional[list[str]] = None
    is_doc = False
    container: Optional[CItem] = None
    decl: Optional[tuple[int, list[str], Optional[list[str]]]] = None
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if in_comment is None and line.startswith("/*"):
            in_comment, is_doc = [], line.startswith("/**")  # a plain /* */ note is no doc
        if in_comment is not None:
            in_comment.append(raw)
            if "*/" in line:
                pending, in_comment = (in_comment if is_doc else None), None
            continue
        if decl is not None:  # a function declaration over several lines
            decl[1].append(line)
            if line.endswith(";"):
                text = " ".join(decl[1])
                m = re.search(r"(\w+)\s*\(", text)
                items.append(CItem("function", m.group(1) if m else "?", text,
                                   comment_text(decl[2]) if decl[2] else None, decl[0]))
                decl = None
            continue
        if not line:
            continue
        doc = comment_text(pending) if pending else None
        pending_lines, pending = pending, None
        if container is not None:
            if line.startswith("}"):
                items.append(container)
                container = None
                continue
            m = re.match(r"(\w+)\s*(=.*)?,?$", line.rstrip(","))
            if container.kind == "enum" and m:
                container.members.append(CItem("enumerator", m.group(1), line.rstrip(","), doc, no))
            else:
                fm = re.match(r".*?(\w+)\s*;$", line)
                container.members.append(CItem("field", fm.group(1) if fm else line, line, doc, no))
            continue
        if line.startswith("#define"):
            name = line.split()[1]
            if name != path.stem.upper() + "_H":
                items.append(CItem("macro", name, line, doc, no))
            continue
        if line.startswith("#") or line.startswith("extern ") or line.startswith("}") or line.startswith("//"):
            continue
        m = re.match(r"typedef (enum|struct) (\w+) \{$", line)
        if m:
            container = CItem("enum" if m.group(1) == "enum" else "struct", m.group(2), line, doc, no)
            continue
        m = re.match(r"typedef .*?(\w+);$", line)
        if m:
            items.append(CItem("type", m.group(1), line, doc, no))
            continue
        if "(" in line:
            if line.endswith(";"):
                fm = re.search(r"(\w+)\s*\(", line)
                items.append(CItem("function", fm.group(1) if fm else "?", line, doc, no))
            else:
                decl = (no, [line], pending_lines)
            continue
    return items


def check_header(path: Path) -> list[str]:
    gaps = []
    for item in parse_header(path):
        if not item.doc:
            gaps.append(f"{path.name}:{item.line}: {item.kind} {item.name} has no comment")
        for member in item.members:
            if not member.doc:
                gaps.append(f"{path.name}:{member.line}: {member.kind} {item.name}.{member.name} has no comment")
    return gaps


def strip_code(line: str) -> str:
    """A line without its strings, character literals and // comment (for counting braces)."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return line.split("//", 1)[0]


def parse_hpp(path: Path) -> list[CItem]:
    """The public declarations of faceauth.hpp (namespace faceauth, not detail), each with the
    comment just before it; the members of a class or struct go into its `members`."""
    lines = path.read_text().splitlines()
    items: list[CItem] = []
    # Scopes: ("ns", name), ("class", item or None when not public API, access), ("body",).
    stack: list[list[Any]] = []
    comment: list[str] = []
    prev_code_ended = True  # the previous code line ended a statement (; { } or an access label)
    prev_field: Optional[CItem] = None  # a data member just before, with no blank line between
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        code = strip_code(line).strip()
        if not line:
            comment, prev_field = [], None
            continue
        if line.startswith("//") or line.startswith("/*") or line.startswith("*"):
            comment.append(line)
            continue
        if line.startswith("#"):
            comment = []
            continue
        top = stack[-1] if stack else None
        in_body = any(s[0] == "body" for s in stack)
        public = (not in_body and all(not (s[0] == "ns" and s[1] == "detail") for s in stack)
                  and any(s[0] == "ns" and s[1] == "faceauth" for s in stack))
        if top is not None and top[0] == "class":
            if top[1] is None or top[2] != "public":
                public = False
            if len([s for s in stack if s[0] == "class"]) > 1:
                public = False  # a nested class's members: the iterator protocol
        if re.match(r"^(public|private|protected):$", code):
            if top is not None and top[0] == "class":
                top[2] = code[:-1]
            comment, prev_code_ended, prev_field = [], True, None
            continue
        starts = prev_code_ended and not code.startswith("}") and not code.startswith(":")
        item: Optional[CItem] = None
        if public and starts and not re.match(r"(friend class|using namespace|namespace)\b", code):
            doc = comment_text(comment) if comment else None
            is_field = (top is not None and top[0] == "class" and code.endswith(";") and "(" not in code
                        and not code.startswith("using"))
            m = re.match(r"(?:template\s*<.*>\s*)?(class|struct)\s+(\w+)", code)
            if m:
                item = CItem(m.group(1), m.group(2), code, doc, no)
            else:
                nm = re.search(r"(operator\S*?|~?\w+)\s*\(", code) or re.search(r"(\w+)\s*(?:=.*)?;$", code)
                kind = "field" if is_field else ("alias" if code.startswith("using") else "function")
                item = CItem(kind, nm.group(1) if nm else code, code, doc, no)
            if item.doc is None and item.kind == "field" and prev_field is not None and prev_field.doc:
                item.doc = prev_field.doc  # consecutive data members share one comment
            owner = next((s[1] for s in reversed(stack) if s[0] == "class"), None)
            (owner.members if owner is not None else items).append(item)
            prev_field = item if item.kind == "field" else None
        elif starts:
            prev_field = None
        comment = []
        # Scope changes: count braces on this line.
        opens, closes = code.count("{"), code.count("}")
        if opens > closes:
            m = re.match(r"namespace\s+(\w+)", code)
            cm = re.match(r"(?:template\s*<.*>\s*)?(class|struct)\s+(\w+)[^;(]*\{$", code)
            if m:
                stack.append(["ns", m.group(1)])
            elif cm:
                stack.append(["class", item if item is not None and item.kind in ("class", "struct") else None,
                              "private" if cm.group(1) == "class" else "public"])
            else:
                stack.append(["body"])
            for _ in range(opens - closes - 1):
                stack.append(["body"])
        elif closes > opens:
            for _ in range(closes - opens):
                if stack:
                    stack.pop()
        elif opens and code.startswith("}") and stack:  # "} else {"
            pass
        prev_code_ended = code.endswith((";", "{", "}")) or bool(re.match(r"^(public|private|protected):$", code))
    return items


def check_hpp(path: Path) -> list[str]:
    gaps = []

    def walk(items: list[CItem], prefix: str) -> None:
        for item in items:
            if not item.doc:
                gaps.append(f"{path.name}:{item.line}: {item.kind} {prefix}{item.name} has no comment")
            walk(item.members, f"{prefix}{item.name}::")

    walk(parse_hpp(path), "faceauth::")
    return gaps


def c_html() -> str:
    parts = ['<h2 id="faceauth.h">faceauth.h (C)</h2>']
    header_intro = re.match(r"/\*(.*?)\*/", HEADER.read_text(), re.S)
    if header_intro:
        parts.append(f"<pre>{html.escape(comment_text(header_intro.group(0).splitlines()))}</pre>")
    items = parse_header(HEADER)
    parts.append("<p>" + ", ".join(f'<a href="#{i.name}"><code>{i.name}</code></a>' for i in items) + "</p>")
    for item in items:
        parts.append(f'<div class="item" id="{item.name}"><pre>{html.escape(item.decl)}</pre>{doc_html(item.doc)}')
        for member in item.members:
            parts.append(f'<div class="member" id="{member.name}"><pre>{html.escape(member.decl)}</pre>'
                         f"{doc_html(member.doc)}</div>")
        parts.append("</div>")
    parts.append('<h2 id="faceauth.hpp">faceauth.hpp (C++)</h2>')
    hpp_intro = re.match(r"/\*(.*?)\*/", HPP.read_text(), re.S)
    if hpp_intro:
        parts.append(f"<pre>{html.escape(comment_text(hpp_intro.group(0).splitlines()))}</pre>")

    def walk(items: list[CItem], prefix: str) -> None:
        for item in items:
            name = prefix + item.name
            decl = re.sub(r"\s*\{.*$", "", item.decl) if item.kind != "field" else item.decl
            cls = "member" if prefix != "faceauth::" else "item"
            parts.append(f'<div class="{cls}" id="{html.escape(name)}"><pre>{html.escape(decl)}</pre>{doc_html(item.doc)}')
            walk(item.members, name + "::")
            parts.append("</div>")

    walk(parse_hpp(HPP), "faceauth::")
    return PAGE.format(title="libfaceauth (C and C++)", body="\n".join(parts))


# == main =====================================================================================


def report(name: str, gaps: list[str]) -> bool:
    for gap in gaps:
        print(f"{name}: {gap}", file=sys.stderr)
    print(f"apidocs: {name}: {'%d undocumented' % len(gaps) if gaps else 'every public item documented'}")
    return not gaps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build")
    build.add_argument("out", type=Path)
    sub.add_parser("check")
    py = sub.add_parser("check-python")
    py.add_argument("--stub", type=Path, default=STUB)
    py.add_argument("--module", action="append", default=None)
    c = sub.add_parser("check-c")
    c.add_argument("--header", type=Path, default=HEADER)
    c.add_argument("--hpp", type=Path, default=HPP)
    args = parser.parse_args()

    if args.command == "build":
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "python.html").write_text(python_html())
        (args.out / "c.html").write_text(c_html())
        return 0
    ok = True
    if args.command in ("check", "check-python"):
        stub = args.stub if args.command == "check-python" else STUB
        modules = (args.module if args.command == "check-python" and args.module is not None else MODULES)
        ok &= report("python (runtime)", check_runtime(modules))
        ok &= report("python (stubs)", check_stub(stub))
    if args.command in ("check", "check-c"):
        header = args.header if args.command == "check-c" else HEADER
        hpp = args.hpp if args.command == "check-c" else HPP
        ok &= report("C (faceauth.h)", check_header(header))
        ok &= report("C++ (faceauth.hpp)", check_hpp(hpp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
