// Renders a notification template the way Argo's notifications engine does: Go text/template
// over the object as unstructured JSON (numbers are float64), with the two Sprig functions our
// templates use (`int`, `hasKey`), implemented with Sprig's semantics. Used by tests only.
//
// usage: go run render.go TEMPLATE_FILE VARS_JSON_FILE
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/template"
)

func toInt(v interface{}) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	case int64:
		return int(n)
	default:
		return 0 // Sprig's `int` (cast.ToInt) yields 0 for what it cannot convert
	}
}

func hasKey(m map[string]interface{}, key string) bool {
	_, ok := m[key]
	return ok
}

func main() {
	text, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	raw, err := os.ReadFile(os.Args[2])
	if err != nil {
		panic(err)
	}
	var vars map[string]interface{}
	if err := json.Unmarshal(raw, &vars); err != nil {
		panic(err)
	}
	tmpl, err := template.New("message").Option("missingkey=default").Funcs(template.FuncMap{"int": toInt, "hasKey": hasKey}).Parse(string(text))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := tmpl.Execute(os.Stdout, vars); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
}
