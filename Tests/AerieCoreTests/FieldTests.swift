// Aerie — unit tests for field coercion and validation
// SPDX-License-Identifier: MIT
import AerieCore
import AerieJSON
import Testing

@Suite struct FieldUnitTests {
    let base = FieldBase(id: "x", name: "f")

    @Test func text_CountsCodePointsAndDefaultsMaxTo5000() {
        var f = TextField(base: base)
        f.max = 3
        #expect(f.validate("ééé", context: ValidationContext()) == nil)
        #expect(f.validate("éééé", context: ValidationContext())?.code == "validation_max_text_constraint")
        f.max = 0
        #expect(f.validate(.string(String(repeating: "a", count: 5001)), context: ValidationContext())?.code == "validation_max_text_constraint")
        #expect(f.validate("", context: ValidationContext()) == nil)
    }

    @Test func number_ZeroIsEmpty() {
        var f = NumberField(base: FieldBase(id: "n", name: "n", required: true))
        f.min = 5
        #expect(f.validate(0, context: ValidationContext())?.code == "validation_required")
        f.base.required = false
        #expect(f.validate(0, context: ValidationContext()) == nil)
        #expect(f.validate(3, context: ValidationContext())?.code == "validation_min_number_constraint")
        #expect(f.validate(.double(.infinity), context: ValidationContext())?.code == "validation_not_a_number")
    }

    @Test func bool_RequiredMeansTrue() {
        let f = BoolField(base: FieldBase(id: "b", name: "b", required: true))
        #expect(f.validate(false, context: ValidationContext())?.code == "validation_required")
        #expect(f.validate(true, context: ValidationContext()) == nil)
    }

    @Test(arguments: ["a@example.com", "first.last+tag@sub.example.co", "x@xn--bcher-kva.ch"])
    func email_Valid(_ s: String) { #expect(EmailField.isValid(s)) }

    @Test(arguments: ["", "a", "a@b", "@example.com", "a@", "a b@example.com", "a@exa mple.com", "a..b@example.com", "a@-x.com"])
    func email_Invalid(_ s: String) { #expect(!EmailField.isValid(s)) }

    @Test(arguments: [("example.com", "example.com"), ("https://example.com/x?y#z", "example.com"), ("ftp://a.b", "a.b"),
                      ("http://user:pw@host.io:8080/p", "host.io"), ("http://localhost:3000", "localhost"), ("http://127.0.0.1/", "127.0.0.1")])
    func url_Valid(_ s: String, _ host: String) { #expect(URLField.host(of: s) == host) }

    @Test(arguments: ["not a url", "http://", "/relative/path", "http://exa mple.com", "http://1.2.3.999", "http://host:99999"])
    func url_Invalid(_ s: String) { #expect(URLField.host(of: s) == nil) }

    @Test func json_RequiredRejectsEmptyValues() {
        let f = JSONField(base: FieldBase(id: "j", name: "j", required: true))
        for v: JSON in [.null, "", [], [:]] { #expect(f.validate(v, context: ValidationContext())?.code == "validation_required") }
        #expect(f.validate(0, context: ValidationContext()) == nil)
        #expect(f.normalize("true") == true)
        #expect(f.normalize("hello") == "hello")
    }

    @Test func select_NormalisesAndKeepsLastForSingle() {
        let single = SelectField(base: base, values: ["a", "b"], maxSelect: 1)
        #expect(single.normalize(["a", "b"]) == "b")
        #expect(single.normalize(.null) == "")
        let multi = SelectField(base: base, values: ["a", "b", "c"], maxSelect: 2)
        #expect(multi.normalize(#"["c","a","c"]"#) == ["c", "a"])
        #expect(multi.apply(.prepend, to: ["a", "b"], operand: "c") == ["c", "a", "b"])
        #expect(multi.apply(.subtract, to: ["a", "b"], operand: ["a"]) == ["b"])
    }
}
