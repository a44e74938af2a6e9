/// Reads a Java runtime's `release` file (`JAVA_VERSION="17.0.15"`, `IMPLEMENTOR=...`).
enum JDKCataloger {
    static func parse(_ text: String, path: String, layer: String) -> SoftwarePackage? {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: equals)...])
            if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            values[String(line[..<equals])] = value
        }
        guard let version = values["JAVA_RUNTIME_VERSION"] ?? values["JAVA_VERSION"], !version.isEmpty else {
            return nil
        }
        let implementor = values["IMPLEMENTOR"]
        let name = values["JAVA_RUNTIME_VERSION"] != nil || values["IMAGE_TYPE"] == "JDK" ? "openjdk" : "java"
        return SoftwarePackage(
            type: .jdk, name: name, version: version,
            purl: PackageURL.make(
                type: "generic", name: name, version: version,
                qualifiers: implementor.map { ["vendor": $0] } ?? [:]),
            locations: [path], layer: layer)
    }
}
