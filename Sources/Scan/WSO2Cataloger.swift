/// Names the WSO2 product a tree of bundles belongs to, from its home directory (`wso2am-4.2.0`).
enum WSO2Cataloger {
    /// One package per WSO2 product home holding `repository/components`.
    static func products(in packages: [SoftwarePackage]) -> [SoftwarePackage] {
        var homes: [String: SoftwarePackage] = [:]
        for package in packages {
            for location in package.locations {
                guard let range = location.range(of: "/repository/components/") else { continue }
                let home = String(location[..<range.lowerBound])
                guard homes[home] == nil, let directory = home.split(separator: "/").last,
                    directory.hasPrefix("wso2")
                else { continue }
                let characters = Array(directory)
                guard
                    let split = characters.indices.dropFirst().first(where: {
                        characters[$0 - 1] == "-" && characters[$0].isNumber
                    })
                else { continue }
                let name = String(characters[0..<(split - 1)])
                let version = String(characters[split...])
                homes[home] = SoftwarePackage(
                    type: .wso2, name: name, version: version,
                    purl: PackageURL.make(type: "generic", namespace: "wso2", name: name, version: version),
                    locations: [home], layer: package.layer)
            }
        }
        return Array(homes.values)
    }
}
