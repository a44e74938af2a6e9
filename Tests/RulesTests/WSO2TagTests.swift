import Testing

@testable import Tags

@Suite struct WSO2TagTests {
    @Test(arguments: [
        ("5.8.0", "stable", nil, nil), ("5.8.0-alpine3.10", "stable", "alpine", "3.10"),
        ("4.7.0.1", "update-level", nil, nil), ("5.8.0.1570523290000-alpine3.10", "unique", "alpine", "3.10"),
        ("5.8.0.1570523290000.2-ubuntu", "source-unique", "ubuntu", nil), ("4.5.0-rocky9", "stable", "rocky", "9"),
    ])
    func parsesSchemeTags(_ text: String, _ kind: String, _ os: String?, _ osVersion: String?) throws {
        let tag = try WSO2Tag.parse(text)
        #expect(tag.kind == kind)
        #expect(tag.os == os)
        #expect(tag.osVersion == osVersion)
        #expect(tag.description == text, "round trip")
    }

    @Test(arguments: [
        "latest", "4.5", "4.5.0-", "4.5.0-Alpine3", "4.5.0-alpine3..1", "4.5.0.123456", "4.5.0.1570523290000.x",
        "4.5.0.1.2.3", "v4.5.0", "4.5.0-3.10",
    ])
    func rejectsOtherTags(_ text: String) {
        #expect(throws: WSO2Tag.ParseError.self, "\(text)") { try WSO2Tag.parse(text) }
    }

    @Test func splitsReferences() {
        #expect(TaggedReference("registry.example.com:5000/wso2/wso2am:4.5.0")?.tag == "4.5.0")
        #expect(
            TaggedReference("registry.example.com:5000/wso2/wso2am:4.5.0")?.repository
                == "registry.example.com:5000/wso2/wso2am")
        #expect(TaggedReference("4.5.0-alpine3.20")?.repository == nil)
        #expect(TaggedReference("registry.example.com:5000/wso2/wso2am") == nil)
    }
}
