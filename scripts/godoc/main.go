// Command godoc is the Go part of the API reference (make docs) and of its coverage check (make
// test's apidocs suite), with the standard library only.
//
//	godoc -check DIR...             every exported identifier of each package has a doc comment
//	godoc -html OUT IMPORTPATH=DIR...  OUT: one HTML page, the packages' reference (go/doc)
//
// The check covers the non-test files of each directory: exported types, functions, methods of
// exported types, fields of exported structs, methods of exported interfaces, and constants and
// variables (a comment on the group or on the line counts for those and for fields).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/doc"
	"go/format"
	"go/parser"
	"go/token"
	"html"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	check := flag.Bool("check", false, "report every undocumented exported identifier")
	out := flag.String("html", "", "write the HTML reference to this file")
	flag.Parse()
	switch {
	case *check:
		gaps := 0
		for _, dir := range flag.Args() {
			fset, files, err := parseDir(dir)
			if err != nil {
				fail(err)
			}
			for _, gap := range undocumented(fset, files) {
				fmt.Fprintln(os.Stderr, "go:", gap)
				gaps++
			}
		}
		if gaps > 0 {
			fmt.Printf("apidocs: go: %d undocumented\n", gaps)
			os.Exit(1)
		}
		fmt.Println("apidocs: go: every exported identifier documented")
	case *out != "":
		page, err := reference(flag.Args())
		if err != nil {
			fail(err)
		}
		if err := os.WriteFile(*out, page, 0o644); err != nil {
			fail(err)
		}
	default:
		flag.Usage()
		os.Exit(2)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "godoc:", err)
	os.Exit(1)
}

// parseDir parses the non-test Go files of dir, with comments, sorted by name.
func parseDir(dir string) (*token.FileSet, []*ast.File, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("%s: no Go files", dir)
	}
	return fset, files, nil
}

func hasText(groups ...*ast.CommentGroup) bool {
	for _, g := range groups {
		if g != nil && strings.TrimSpace(g.Text()) != "" {
			return true
		}
	}
	return false
}

// receiverType is the name of a method's receiver type, without * or type parameters.
func receiverType(expr ast.Expr) string {
	switch t := expr.(type) {
	case *ast.StarExpr:
		return receiverType(t.X)
	case *ast.IndexExpr:
		return receiverType(t.X)
	case *ast.IndexListExpr:
		return receiverType(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}

func undocumented(fset *token.FileSet, files []*ast.File) []string {
	var gaps []string
	report := func(pos token.Pos, what string) {
		p := fset.Position(pos)
		gaps = append(gaps, fmt.Sprintf("%s:%d: %s has no doc comment", filepath.Base(p.Filename), p.Line, what))
	}
	for _, f := range files {
		pkg := f.Name.Name
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				name := pkg + "." + d.Name.Name
				if d.Recv != nil && len(d.Recv.List) > 0 {
					recv := receiverType(d.Recv.List[0].Type)
					if !ast.IsExported(recv) {
						continue
					}
					name = pkg + "." + recv + "." + d.Name.Name
				}
				if !hasText(d.Doc) {
					report(d.Pos(), "func "+name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if !s.Name.IsExported() {
							continue
						}
						name := pkg + "." + s.Name.Name
						if !hasText(s.Doc, s.Comment) && !(len(d.Specs) == 1 && hasText(d.Doc)) {
							report(s.Pos(), "type "+name)
						}
						fieldGaps(s.Type, name, report)
					case *ast.ValueSpec:
						for _, id := range s.Names {
							if id.IsExported() && !hasText(s.Doc, s.Comment, d.Doc) {
								report(id.Pos(), d.Tok.String()+" "+pkg+"."+id.Name)
							}
						}
					}
				}
			}
		}
	}
	return gaps
}

// fieldGaps reports the undocumented exported fields of a struct and methods of an interface.
func fieldGaps(expr ast.Expr, owner string, report func(token.Pos, string)) {
	var list *ast.FieldList
	kind := "field"
	switch t := expr.(type) {
	case *ast.StructType:
		list = t.Fields
	case *ast.InterfaceType:
		list, kind = t.Methods, "method"
	default:
		return
	}
	for _, field := range list.List {
		names := field.Names
		if len(names) == 0 { // embedded
			if id := receiverType(field.Type); ast.IsExported(id) && !hasText(field.Doc, field.Comment) {
				report(field.Pos(), kind+" "+owner+"."+id)
			}
			continue
		}
		for _, id := range names {
			if id.IsExported() && !hasText(field.Doc, field.Comment) {
				report(id.Pos(), kind+" "+owner+"."+id.Name)
			}
		}
	}
}

// reference renders every IMPORTPATH=DIR package with go/doc into one HTML page.
func reference(args []string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>faceauth (Go)</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
pre, code { font-family: ui-monospace, monospace; font-size: 0.92em; }
pre { background: #f5f5f5; padding: 0.5rem 0.75rem; overflow-x: auto; }
.item { border-top: 1px solid #ddd; margin-top: 1.2rem; }
.member { margin-left: 1.5rem; }
nav a { margin-right: 0.75rem; }
</style></head>
<body><nav><a href="index.html">API reference</a></nav>
<h1>faceauth (Go)</h1>
`)
	for _, arg := range args {
		importPath, dir, ok := strings.Cut(arg, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want IMPORTPATH=DIR", arg)
		}
		fset, files, err := parseDir(dir)
		if err != nil {
			return nil, err
		}
		pkg, err := doc.NewFromFiles(fset, files, importPath)
		if err != nil {
			return nil, err
		}
		node := func(n any) string {
			var out bytes.Buffer
			if err := format.Node(&out, fset, n); err != nil {
				return fmt.Sprintf("(%v)", err)
			}
			return html.EscapeString(out.String())
		}
		docHTML := func(text string) string { return string(pkg.HTML(text)) }
		values := func(vs []*doc.Value) {
			for _, v := range vs {
				fmt.Fprintf(&b, "<div class=\"member\"><pre>%s</pre>%s</div>\n", node(v.Decl), docHTML(v.Doc))
			}
		}
		funcs := func(fs []*doc.Func, class string) {
			for _, f := range fs {
				id := f.Name
				if f.Recv != "" {
					id = strings.TrimPrefix(f.Recv, "*") + "." + f.Name
				}
				fmt.Fprintf(&b, "<div class=\"%s\" id=\"%s.%s\"><pre>%s</pre>%s</div>\n", class, pkg.Name,
					html.EscapeString(id), node(f.Decl), docHTML(f.Doc))
			}
		}
		fmt.Fprintf(&b, "<h2 id=\"%s\">package %s <code>%s</code></h2>\n%s\n", html.EscapeString(importPath),
			pkg.Name, html.EscapeString(importPath), docHTML(pkg.Doc))
		b.WriteString("<p>")
		for _, t := range pkg.Types {
			fmt.Fprintf(&b, "<a href=\"#%s.%s\"><code>%s</code></a> ", pkg.Name, t.Name, t.Name)
		}
		for _, f := range pkg.Funcs {
			fmt.Fprintf(&b, "<a href=\"#%s.%s\"><code>%s</code></a> ", pkg.Name, f.Name, f.Name)
		}
		b.WriteString("</p>\n")
		if len(pkg.Consts)+len(pkg.Vars) > 0 {
			b.WriteString("<div class=\"item\"><h3>Constants and variables</h3>\n")
			values(pkg.Consts)
			values(pkg.Vars)
			b.WriteString("</div>\n")
		}
		funcs(pkg.Funcs, "item")
		for _, t := range pkg.Types {
			fmt.Fprintf(&b, "<div class=\"item\" id=\"%s.%s\"><pre>%s</pre>%s\n", pkg.Name, t.Name, node(t.Decl), docHTML(t.Doc))
			values(t.Consts)
			values(t.Vars)
			funcs(t.Funcs, "member")
			funcs(t.Methods, "member")
			b.WriteString("</div>\n")
		}
	}
	b.WriteString("</body></html>\n")
	return b.Bytes(), nil
}
