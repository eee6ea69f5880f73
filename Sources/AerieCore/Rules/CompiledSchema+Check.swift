// Aerie — checks that every rule of a schema compiles to SQL
// SPDX-License-Identifier: MIT
import AerieFilter

extension CompiledSchema {
    /// Compiles every rule against the schema as a guest would meet it, so a rule naming an
    /// unknown field fails when the schema loads rather than on the first request.
    func checkRules() throws {
        for c in schema.collections {
            guard let compiled = collection(c.id) else { continue }
            let rules = compiled.rules
            for (name, rule) in [("listRule", rules.list), ("viewRule", rules.view), ("createRule", rules.create),
                                 ("updateRule", rules.update), ("deleteRule", rules.delete), ("authRule", rules.auth)] {
                guard case .expression(let expression, _) = rule else { continue }
                let r = RecordFieldResolver(schema: self, base: compiled, baseAlias: compiled.table, requester: .guest, authRecord: nil,
                                            request: RequestInfo(), body: [:], submittedKeys: [], oldValues: nil, isClientFilter: false)
                do {
                    _ = try FilterSQLEmitter(resolver: r).emit(expression)
                } catch {
                    throw StartupError("collection \(c.name): \(name) is invalid: \(error)")
                }
            }
        }
    }
}

extension Schema {
    /// Checks that every rule parses and names only known fields.
    /// - Throws: `StartupError` naming the collection and rule, or the filter parse error.
    public func checkRules() throws {
        let compiled: CompiledSchema
        do {
            compiled = try CompiledSchema(schema: self)
        } catch {
            throw StartupError("a rule is invalid: \(error)")
        }
        try compiled.checkRules()
    }
}
