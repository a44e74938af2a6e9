import BerthCore
import Foundation
import Render
import Rules
import TestSupport
import Testing

/// docs/practices.md is generated from the practices, the rules and the render choices.
@Suite struct PracticeCatalogTests {
    @Test func committedCatalogueIsCurrent() throws {
        let committed = try String(contentsOf: Repository.url("docs/practices.md"), encoding: .utf8)
        let generated = PracticeCatalog.markdown(rules: BuiltInRules.descriptions, renderChoices: RenderChoices.all)
        #expect(committed == generated, "docs/practices.md is stale: run berth rules --practices > docs/practices.md")
    }

    /// Every practice is implemented by a rule or by what `berth render` does, except those that
    /// commands of their own serve (scanning and signing images).
    @Test func everyPracticeHasARuleOrARenderChoice() {
        let ruled = Set(BuiltInRules.descriptions.map(\.practice))
        let rendered = Set(RenderChoices.all.keys)
        let orphans = Set(Practice.allCases.filter { !ruled.contains($0) && !rendered.contains($0) })
        #expect(orphans.isSubset(of: [.signedImages, .vulnerabilityScan]), "\(orphans)")
    }
}
