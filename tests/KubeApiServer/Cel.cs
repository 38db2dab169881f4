using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeApiServer;

/// <summary>
/// The subset of CEL that CRD validation rules (x-kubernetes-validations) commonly use: literals, lists,
/// field selection, has(), size(), the filter/all/exists/exists_one/map macros, matches/startsWith/endsWith/
/// contains/substring, int()/string(), arithmetic, comparison, `in`, logical operators and ?:.
/// Rules that use oldSelf (transition rules) or anything outside this subset are not enforced.
/// </summary>
public static class Cel
{
    public sealed class CelError(string message) : Exception(message);
    public sealed class Unsupported(string message) : Exception(message);

    abstract record Node;
    sealed record Lit(object? Value) : Node;
    sealed record Ident(string Name) : Node;
    sealed record Select(Node Target, string Field) : Node;
    sealed record Index(Node Target, Node Key) : Node;
    sealed record Call(Node? Target, string Name, List<Node> Args) : Node;
    sealed record Unary(string Op, Node Operand) : Node;
    sealed record Binary(string Op, Node Left, Node Right) : Node;
    sealed record Cond(Node Test, Node Then, Node Else) : Node;
    sealed record ListLit(List<Node> Items) : Node;

    /// <summary>True when the rule holds for <paramref name="self"/>; throws CelError/Unsupported otherwise.</summary>
    public static bool Holds(string rule, JsonNode? self)
    {
        var ast = new Parser(rule).ParseAll();
        var v = Eval(ast, new Dictionary<string, object?> { ["self"] = FromJson(self) });
        return v is bool b ? b : throw new CelError("rule did not evaluate to a bool");
    }

    static object? FromJson(JsonNode? n) => n switch
    {
        null => null,
        JsonObject o => o,
        JsonArray a => a.Select(FromJson).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => (string)v!,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => v.ToJsonString() is var t && !t.Contains('.') && !t.Contains('e') && !t.Contains('E')
                ? long.Parse(t, CultureInfo.InvariantCulture) : double.Parse(t, CultureInfo.InvariantCulture),
            _ => null,
        },
        _ => null,
    };

    static object? Eval(Node n, Dictionary<string, object?> env)
    {
        switch (n)
        {
            case Lit l: return l.Value;
            case Ident id: return env.TryGetValue(id.Name, out var v) ? v : throw new Unsupported($"unknown identifier {id.Name}");
            case ListLit ll: return ll.Items.Select(i => Eval(i, env)).ToList();
            case Select s:
            {
                var target = Eval(s.Target, env);
                if (target is JsonObject o) return o.ContainsKey(s.Field) ? FromJson(o[s.Field]) : throw new CelError($"no such key: {s.Field}");
                throw new CelError($"cannot select {s.Field}");
            }
            case Index ix:
            {
                var target = Eval(ix.Target, env);
                var key = Eval(ix.Key, env);
                if (target is List<object?> list && key is long i) return i >= 0 && i < list.Count ? list[(int)i] : throw new CelError("index out of range");
                if (target is JsonObject o && key is string k) return o.ContainsKey(k) ? FromJson(o[k]) : throw new CelError($"no such key: {k}");
                throw new CelError("bad index");
            }
            case Unary u:
            {
                var x = Eval(u.Operand, env);
                return u.Op switch
                {
                    "!" => x is bool b ? !b : throw new CelError("! needs a bool"),
                    "-" => x switch { long l => -l, double d => -d, _ => throw new CelError("- needs a number") },
                    _ => throw new Unsupported(u.Op),
                };
            }
            case Cond c: return Eval(c.Test, env) is true ? Eval(c.Then, env) : Eval(c.Else, env);
            case Binary b when b.Op == "&&":
                return Eval(b.Left, env) is true && Eval(b.Right, env) is true;
            case Binary b when b.Op == "||":
                return Eval(b.Left, env) is true || Eval(b.Right, env) is true;
            case Binary b: return BinaryOp(b.Op, Eval(b.Left, env), Eval(b.Right, env));
            case Call c: return CallOp(c, env);
        }
        throw new Unsupported(n.GetType().Name);
    }

    static object? BinaryOp(string op, object? a, object? b)
    {
        if (op == "==") return Equal(a, b);
        if (op == "!=") return !Equal(a, b);
        if (op == "in")
            return b switch
            {
                List<object?> l => l.Any(x => Equal(x, a)),
                JsonObject o when a is string k => o.ContainsKey(k),
                _ => throw new CelError("in needs a list or map"),
            };
        if (op == "+" && a is string sa && b is string sb) return sa + sb;
        if (op == "+" && a is List<object?> la && b is List<object?> lb) return la.Concat(lb).ToList();
        if (a is long x && b is long y)
            return op switch
            {
                "+" => x + y, "-" => x - y, "*" => x * y,
                "/" => y == 0 ? throw new CelError("division by zero") : x / y,
                "%" => y == 0 ? throw new CelError("modulus by zero") : x % y,
                "<" => x < y, "<=" => x <= y, ">" => x > y, ">=" => x >= y,
                _ => throw new Unsupported(op),
            };
        if (a is double or long && b is double or long)
        {
            double dx = Convert.ToDouble(a, CultureInfo.InvariantCulture), dy = Convert.ToDouble(b, CultureInfo.InvariantCulture);
            return op switch
            {
                "+" => dx + dy, "-" => dx - dy, "*" => dx * dy, "/" => dx / dy,
                "<" => dx < dy, "<=" => dx <= dy, ">" => dx > dy, ">=" => dx >= dy,
                _ => throw new Unsupported(op),
            };
        }
        if (a is string s1 && b is string s2)
        {
            var c = string.CompareOrdinal(s1, s2);
            return op switch { "<" => c < 0, "<=" => c <= 0, ">" => c > 0, ">=" => c >= 0, _ => throw new CelError($"no such overload: string {op} string") };
        }
        throw new CelError($"no such overload for {op}");
    }

    static bool Equal(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (long x, double y) => x == y,
        (double x, long y) => x == y,
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => Equal(p.First, p.Second)),
        (JsonObject x, JsonObject y) => JsonNode.DeepEquals(x, y),
        _ => Equals(a, b),
    };

    static object? CallOp(Call c, Dictionary<string, object?> env)
    {
        // Macros first: they take expressions, not values.
        if (c.Target == null && c.Name == "has")
        {
            if (c.Args.Count != 1 || c.Args[0] is not Select sel) throw new Unsupported("has() needs a field selection");
            return Eval(sel.Target, env) is JsonObject o ? o.ContainsKey(sel.Field) && o[sel.Field] != null : throw new CelError("has() on a non-object");
        }
        if (c.Target != null && c.Name is "filter" or "all" or "exists" or "exists_one" or "map" && c.Args.Count == 2 && c.Args[0] is Ident var)
        {
            var source = Eval(c.Target, env);
            IEnumerable<object?> items = source switch
            {
                List<object?> l => l,
                JsonObject o => o.Select(kv => (object?)kv.Key),
                _ => throw new CelError($"{c.Name} needs a list or map"),
            };
            bool Test(object? item)
            {
                var inner = new Dictionary<string, object?>(env) { [var.Name] = item };
                return Eval(c.Args[1], inner) is true;
            }
            object? Map(object? item) => Eval(c.Args[1], new Dictionary<string, object?>(env) { [var.Name] = item });
            return c.Name switch
            {
                "filter" => items.Where(Test).ToList(),
                "all" => items.All(Test),
                "exists" => items.Any(Test),
                "exists_one" => items.Count(Test) == 1,
                _ => items.Select(Map).ToList(),
            };
        }
        var args = c.Args.Select(a => Eval(a, env)).ToList();
        var target = c.Target == null ? null : Eval(c.Target, env);
        object? self = c.Target == null ? (args.Count > 0 ? args[0] : null) : target;
        return c.Name switch
        {
            "size" => self switch
            {
                string s => (long)new StringInfo(s).LengthInTextElements,
                List<object?> l => (long)l.Count,
                JsonObject o => (long)o.Count,
                _ => throw new CelError("size() needs a string, list or map"),
            },
            "int" => self switch
            {
                long l => l,
                double d => (long)d,
                string s => long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var r) ? r : throw new CelError($"cannot convert \"{s}\" to int"),
                _ => throw new CelError("int() conversion"),
            },
            "string" => self switch
            {
                string s => s, long l => l.ToString(CultureInfo.InvariantCulture), bool b => b ? "true" : "false",
                double d => d.ToString(CultureInfo.InvariantCulture), _ => throw new CelError("string() conversion"),
            },
            "matches" => Regex.IsMatch(Str(target ?? args[0]), Str(c.Target == null ? args[1] : args[0]), RegexOptions.None, TimeSpan.FromSeconds(1)),
            "startsWith" => Str(target).StartsWith(Str(args[0]), StringComparison.Ordinal),
            "endsWith" => Str(target).EndsWith(Str(args[0]), StringComparison.Ordinal),
            "contains" => Str(target).Contains(Str(args[0]), StringComparison.Ordinal),
            "lowerAscii" => Str(target).ToLowerInvariant(),
            "upperAscii" => Str(target).ToUpperInvariant(),
            "substring" => Substring(Str(target), args),
            _ => throw new Unsupported($"function {c.Name}"),
        };
    }

    static string Str(object? v) => v as string ?? throw new CelError("expected a string");

    static string Substring(string s, List<object?> args)
    {
        var start = args[0] is long a ? (int)a : throw new CelError("substring index");
        var end = args.Count > 1 && args[1] is long b ? (int)b : s.Length;
        if (start < 0 || end > s.Length || start > end) throw new CelError("substring out of range");
        return s[start..end];
    }

    sealed class Parser(string text)
    {
        int _i;

        public Node ParseAll()
        {
            var n = Expr();
            Skip();
            if (_i != text.Length) throw new Unsupported($"unexpected '{text[_i..]}'");
            return n;
        }

        void Skip() { while (_i < text.Length && char.IsWhiteSpace(text[_i])) _i++; }

        bool Eat(string tok)
        {
            Skip();
            if (string.CompareOrdinal(text, _i, tok, 0, tok.Length) != 0) return false;
            // Keep "in" from matching the start of an identifier, and "<" from matching "<=".
            if (char.IsLetter(tok[0]) && _i + tok.Length < text.Length && (char.IsLetterOrDigit(text[_i + tok.Length]) || text[_i + tok.Length] == '_')) return false;
            _i += tok.Length;
            return true;
        }

        void Expect(string tok) { if (!Eat(tok)) throw new Unsupported($"expected '{tok}' at {_i}"); }

        Node Expr()
        {
            var test = Or();
            if (!Eat("?")) return test;
            var then = Expr();
            Expect(":");
            return new Cond(test, then, Expr());
        }

        Node Or() { var l = And(); while (Eat("||")) l = new Binary("||", l, And()); return l; }
        Node And() { var l = Rel(); while (Eat("&&")) l = new Binary("&&", l, Rel()); return l; }

        Node Rel()
        {
            var l = Add();
            while (true)
            {
                string? op = null;
                foreach (var o in new[] { "<=", ">=", "==", "!=", "<", ">", "in" })
                    if (Eat(o)) { op = o; break; }
                if (op == null) return l;
                l = new Binary(op, l, Add());
            }
        }

        Node Add()
        {
            var l = Mul();
            while (true)
            {
                if (Eat("+")) l = new Binary("+", l, Mul());
                else if (Peek('-')) { _i++; l = new Binary("-", l, Mul()); }
                else return l;
            }
        }

        bool Peek(char c) { Skip(); return _i < text.Length && text[_i] == c; }

        Node Mul()
        {
            var l = UnaryExpr();
            while (true)
            {
                if (Eat("*")) l = new Binary("*", l, UnaryExpr());
                else if (Eat("/")) l = new Binary("/", l, UnaryExpr());
                else if (Eat("%")) l = new Binary("%", l, UnaryExpr());
                else return l;
            }
        }

        Node UnaryExpr()
        {
            if (Peek('!') && !(_i + 1 < text.Length && text[_i + 1] == '=')) { _i++; return new Unary("!", UnaryExpr()); }
            if (Peek('-')) { _i++; return new Unary("-", UnaryExpr()); }
            return Member();
        }

        Node Member()
        {
            var n = Primary();
            while (true)
            {
                if (Eat("."))
                {
                    var name = IdentName();
                    if (Eat("(")) n = new Call(n, name, Args(")"));
                    else n = new Select(n, name);
                }
                else if (Eat("[")) { var k = Expr(); Expect("]"); n = new Index(n, k); }
                else return n;
            }
        }

        List<Node> Args(string close)
        {
            var list = new List<Node>();
            if (Eat(close)) return list;
            do list.Add(Expr()); while (Eat(","));
            Expect(close);
            return list;
        }

        string IdentName()
        {
            Skip();
            int start = _i;
            while (_i < text.Length && (char.IsLetterOrDigit(text[_i]) || text[_i] == '_')) _i++;
            if (start == _i) throw new Unsupported($"expected a name at {start}");
            return text[start.._i];
        }

        Node Primary()
        {
            Skip();
            if (_i >= text.Length) throw new Unsupported("unexpected end of rule");
            var c = text[_i];
            if (c == '(') { _i++; var e = Expr(); Expect(")"); return e; }
            if (c == '[') { _i++; return new ListLit(Args("]")); }
            if (c == '{') throw new Unsupported("map literals");
            if (c is '"' or '\'') return new Lit(StringLit());
            if (char.IsDigit(c))
            {
                int start = _i;
                while (_i < text.Length && (char.IsDigit(text[_i]) || text[_i] == '.')) _i++;
                var t = text[start.._i];
                if (_i < text.Length && text[_i] == 'u') _i++;
                return t.Contains('.') ? new Lit(double.Parse(t, CultureInfo.InvariantCulture)) : new Lit(long.Parse(t, CultureInfo.InvariantCulture));
            }
            var name = IdentName();
            switch (name)
            {
                case "true": return new Lit(true);
                case "false": return new Lit(false);
                case "null": return new Lit(null);
            }
            if (name == "oldSelf") throw new Unsupported("transition rules (oldSelf)");
            if (Eat("(")) return new Call(null, name, Args(")"));
            return new Ident(name);
        }

        string StringLit()
        {
            var quote = text[_i++];
            var sb = new StringBuilder();
            while (_i < text.Length && text[_i] != quote)
            {
                if (text[_i] == '\\' && _i + 1 < text.Length)
                {
                    var e = text[++_i];
                    sb.Append(e switch { 'n' => '\n', 't' => '\t', '\\' => '\\', '\'' => '\'', '"' => '"', _ => e });
                    _i++;
                }
                else sb.Append(text[_i++]);
            }
            if (_i >= text.Length) throw new Unsupported("unterminated string");
            _i++;
            return sb.ToString();
        }
    }
}
