// Aerie — expand parameter parsing and back-relation names
// SPDX-License-Identifier: MIT
@testable import AerieCore
import Testing

@Suite struct ExpandTreeTests {
    @Test(arguments: [
        ("comments_via_post", "comments", "post"),
        ("a_via_b_via_c", "a_via_b", "c"),
        ("x_via_y_", "x", "y_"),
        ("comments(post)", "comments", "post"),
    ])
    func backRelation_splitsAtTheLastVia(_ name: String, _ source: String, _ field: String) {
        let parts = RecordService.backRelationParts(name)
        #expect(parts?.0 == source && parts?.1 == field, "\(name) → \(String(describing: parts))")
    }

    @Test(arguments: ["author", "_via_post", "comments_via_", "_via_", "via", "a_vi_b", "comments()", "(post)", ""])
    func notABackRelation(_ name: String) {
        #expect(RecordService.backRelationParts(name) == nil, "\(name)")
    }

    @Test func tree_mergesPathsTrimsDotsAndCapsDepth() {
        let tree = ExpandTree(parsing: " author.team , .comments_via_post.user., author ,a.b.c.d.e.f.g")
        #expect(tree.branches.map(\.name) == ["author", "comments_via_post", "a"])
        #expect(tree.branches[0].subtree.branches.map(\.name) == ["team"])
        var depth = 0, level = tree.branches[2].subtree
        while let next = level.branches.first { depth += 1; level = next.subtree }
        #expect(depth == ExpandTree.maxDepth - 1)
    }
}
