import Foundation

/// CVSS v4.0 scores computed from a vector string, as FIRST's CVSS v4.0 specification (section 8,
/// "CVSS v4.0 Scoring") defines them: the vector's MacroVector (equivalence classes EQ1-EQ6) gives a
/// score from the specification's table of 270 MacroVectors, and the vector's severity distance
/// from the highest-severity vectors of its MacroVector interpolates towards the next lower ones.
///
/// Threat (`E`) and Environmental metrics are honoured when the vector carries them (CVSS-BT,
/// CVSS-BE, CVSS-BTE); absent, `E` counts as Attacked and `CR`/`IR`/`AR` as High, as the
/// specification says. Supplemental metrics are accepted and do not change the score.
public enum CVSS4 {
    /// The score of a `CVSS:4.0/...` vector, or nil when it is not a valid v4.0 vector.
    public static func score(_ vector: String) -> Double? {
        guard let metrics = parse(vector) else { return nil }
        func value(_ metric: String) -> String {
            if let worst = worstCaseDefaults[metric], metrics[metric] == nil || metrics[metric] == "X" { return worst }
            if let modified = metrics["M" + metric], modified != "X" { return modified }
            return metrics[metric] ?? "X"
        }
        if ["VC", "VI", "VA", "SC", "SI", "SA"].allSatisfy({ value($0) == "N" }) { return 0 }

        let (av, pr, ui) = (value("AV"), value("PR"), value("UI"))
        let eq1: Int
        if av == "N" && pr == "N" && ui == "N" {
            eq1 = 0
        } else if (av == "N" || pr == "N" || ui == "N") && av != "P" {
            eq1 = 1
        } else {
            eq1 = 2
        }
        let eq2 = value("AC") == "L" && value("AT") == "N" ? 0 : 1
        let (vc, vi, va) = (value("VC"), value("VI"), value("VA"))
        let eq3 = vc == "H" && vi == "H" ? 0 : (vc == "H" || vi == "H" || va == "H") ? 1 : 2
        let eq4 =
            value("MSI") == "S" || value("MSA") == "S"
            ? 0 : (value("SC") == "H" || value("SI") == "H" || value("SA") == "H") ? 1 : 2
        let eq5 = ["A": 0, "P": 1, "U": 2][value("E")] ?? 0
        let eq6 =
            (value("CR") == "H" && vc == "H") || (value("IR") == "H" && vi == "H") || (value("AR") == "H" && va == "H")
            ? 0 : 1

        func macro(_ eqs: [Int]) -> Double? { lookup[eqs.map(String.init).joined()] }
        guard let base = macro([eq1, eq2, eq3, eq4, eq5, eq6]) else { return nil }

        // The next lower MacroVector along each EQ, when there is one.
        let lowerEQ1 = macro([eq1 + 1, eq2, eq3, eq4, eq5, eq6])
        let lowerEQ2 = macro([eq1, eq2 + 1, eq3, eq4, eq5, eq6])
        let lowerEQ3EQ6: Double?
        switch (eq3, eq6) {
        case (1, 1), (0, 1): lowerEQ3EQ6 = macro([eq1, eq2, eq3 + 1, eq4, eq5, eq6])
        case (1, 0): lowerEQ3EQ6 = macro([eq1, eq2, eq3, eq4, eq5, eq6 + 1])
        case (0, 0):
            let left = macro([eq1, eq2, eq3, eq4, eq5, eq6 + 1])
            let right = macro([eq1, eq2, eq3 + 1, eq4, eq5, eq6])
            lowerEQ3EQ6 = left.flatMap { left in right.map { max(left, $0) } }
        default: lowerEQ3EQ6 = macro([eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1])
        }
        let lowerEQ4 = macro([eq1, eq2, eq3, eq4 + 1, eq5, eq6])
        let lowerEQ5 = macro([eq1, eq2, eq3, eq4, eq5 + 1, eq6])

        // The severity distance from the first highest-severity vector of the MacroVector that is
        // at least as severe as this one in every metric.
        var distances: [String: Double] = [:]
        search: for eq1Max in maxComposedEQ1[eq1] {
            for eq2Max in maxComposedEQ2[eq2] {
                for eq3Max in maxComposedEQ3EQ6[eq3]?[eq6] ?? [] {
                    for eq4Max in maxComposedEQ4[eq4] {
                        let maximum = parseParts(eq1Max + eq2Max + eq3Max + eq4Max + maxComposedEQ5[eq5])
                        distances = [:]
                        for (metric, levels) in metricLevels {
                            guard let own = levels[value(metric)], let top = maximum[metric].flatMap({ levels[$0] })
                            else { return nil }
                            distances[metric] = own - top
                        }
                        if distances.values.allSatisfy({ $0 >= 0 }) { break search }
                    }
                }
            }
        }

        func sum(_ metrics: [String]) -> Double { metrics.reduce(0) { $0 + (distances[$1] ?? 0) } }
        let step = 0.1
        var parts: [Double] = []
        if let lower = lowerEQ1 {
            parts.append((base - lower) * sum(["AV", "PR", "UI"]) / (maxSeverityEQ1[eq1] * step))
        }
        if let lower = lowerEQ2 { parts.append((base - lower) * sum(["AC", "AT"]) / (maxSeverityEQ2[eq2] * step)) }
        if let lower = lowerEQ3EQ6, let depth = maxSeverityEQ3EQ6[eq3]?[eq6] {
            parts.append((base - lower) * sum(["VC", "VI", "VA", "CR", "IR", "AR"]) / (depth * step))
        }
        if let lower = lowerEQ4 {
            parts.append((base - lower) * sum(["SC", "SI", "SA"]) / (maxSeverityEQ4[eq4] * step))
        }
        // EQ5 has a single level per MacroVector: its proportion is always 0.
        if lowerEQ5 != nil { parts.append(0) }
        let mean = parts.isEmpty ? 0 : parts.reduce(0, +) / Double(parts.count)
        let score = max(0, min(10, base - mean))
        // Round half up to one decimal, with the specification's small epsilon against binary error.
        return ((score + 1e-6) * 10).rounded(.toNearestOrAwayFromZero) / 10
    }

    /// The metrics of a valid vector: the prefix, the eleven base metrics in order, then optional
    /// metrics in the specification's order, each once and with a defined value.
    static func parse(_ vector: String) -> [String: String]? {
        var parts = vector.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.first == "CVSS:4.0" else { return nil }
        parts.removeFirst()
        var metrics: [String: String] = [:]
        var position = 0
        for part in parts {
            let pair = part.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { return nil }
            let (key, value) = (String(pair[0]), String(pair[1]))
            while position < order.count && order[position].key != key {
                if position < mandatoryCount { return nil }
                position += 1
            }
            guard position < order.count, order[position].values.contains(value) else { return nil }
            metrics[key] = value
            position += 1
        }
        guard position >= mandatoryCount else { return nil }
        return metrics
    }

    static func parseParts(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in text.split(separator: "/") {
            let pair = part.split(separator: ":", maxSplits: 1)
            if pair.count == 2 { result[String(pair[0])] = String(pair[1]) }
        }
        return result
    }

    static let mandatoryCount = 11
    static let order: [(key: String, values: Set<String>)] = [
        ("AV", ["N", "A", "L", "P"]), ("AC", ["L", "H"]), ("AT", ["N", "P"]), ("PR", ["N", "L", "H"]),
        ("UI", ["N", "P", "A"]), ("VC", ["H", "L", "N"]), ("VI", ["H", "L", "N"]), ("VA", ["H", "L", "N"]),
        ("SC", ["H", "L", "N"]), ("SI", ["H", "L", "N"]), ("SA", ["H", "L", "N"]),
        ("E", ["X", "A", "P", "U"]),
        ("CR", ["X", "H", "M", "L"]), ("IR", ["X", "H", "M", "L"]), ("AR", ["X", "H", "M", "L"]),
        ("MAV", ["X", "N", "A", "L", "P"]), ("MAC", ["X", "L", "H"]), ("MAT", ["X", "N", "P"]),
        ("MPR", ["X", "N", "L", "H"]), ("MUI", ["X", "N", "P", "A"]), ("MVC", ["X", "H", "L", "N"]),
        ("MVI", ["X", "H", "L", "N"]), ("MVA", ["X", "H", "L", "N"]), ("MSC", ["X", "H", "L", "N"]),
        ("MSI", ["X", "S", "H", "L", "N"]), ("MSA", ["X", "S", "H", "L", "N"]),
        ("S", ["X", "N", "P"]), ("AU", ["X", "N", "Y"]), ("R", ["X", "A", "U", "I"]), ("V", ["X", "D", "C"]),
        ("RE", ["X", "L", "M", "H"]), ("U", ["X", "Clear", "Green", "Amber", "Red"]),
    ]

    /// Threat and requirement metrics left out count as their worst case.
    static let worstCaseDefaults = ["E": "A", "CR": "H", "IR": "H", "AR": "H"]

    /// Each metric value's severity level, in steps of 0.1 (0 most severe).
    static let metricLevels: [String: [String: Double]] = [
        "AV": ["N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3], "PR": ["N": 0.0, "L": 0.1, "H": 0.2],
        "UI": ["N": 0.0, "P": 0.1, "A": 0.2], "AC": ["L": 0.0, "H": 0.1], "AT": ["N": 0.0, "P": 0.1],
        "VC": ["H": 0.0, "L": 0.1, "N": 0.2], "VI": ["H": 0.0, "L": 0.1, "N": 0.2],
        "VA": ["H": 0.0, "L": 0.1, "N": 0.2],
        "SC": ["H": 0.1, "L": 0.2, "N": 0.3], "SI": ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3],
        "SA": ["S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3], "CR": ["H": 0.0, "M": 0.1, "L": 0.2],
        "IR": ["H": 0.0, "M": 0.1, "L": 0.2], "AR": ["H": 0.0, "M": 0.1, "L": 0.2],
        "E": ["U": 0.2, "P": 0.1, "A": 0.0],
    ]

    /// The highest-severity vectors of each EQ level.
    static let maxComposedEQ1 = [
        ["AV:N/PR:N/UI:N/"], ["AV:A/PR:N/UI:N/", "AV:N/PR:L/UI:N/", "AV:N/PR:N/UI:P/"],
        ["AV:P/PR:N/UI:N/", "AV:A/PR:L/UI:P/"],
    ]
    static let maxComposedEQ2 = [["AC:L/AT:N/"], ["AC:H/AT:N/", "AC:L/AT:P/"]]
    static let maxComposedEQ3EQ6: [Int: [Int: [String]]] = [
        0: [
            0: ["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H/"],
            1: ["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H/", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M/"],
        ],
        1: [
            0: ["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H/", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H/"],
            1: [
                "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H/", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M/", "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M/",
                "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H/", "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M/",
            ],
        ],
        2: [1: ["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H/"]],
    ]
    static let maxComposedEQ4 = [["SC:H/SI:S/SA:S/"], ["SC:H/SI:H/SA:H/"], ["SC:L/SI:L/SA:L/"]]
    static let maxComposedEQ5 = ["E:A/", "E:P/", "E:U/"]

    /// The depth of each EQ level's MacroVectors, in steps (the specification's maximal severity distance + 1).
    static let maxSeverityEQ1: [Double] = [1, 4, 5]
    static let maxSeverityEQ2: [Double] = [1, 2]
    static let maxSeverityEQ3EQ6: [Int: [Int: Double]] = [0: [0: 7, 1: 6], 1: [0: 8, 1: 8], 2: [1: 10]]
    static let maxSeverityEQ4: [Double] = [6, 5, 4]

    /// The score of each MacroVector (EQ1 to EQ6 as six digits), from the specification.
    static let lookup: [String: Double] = [
        "000000": 10.0, "000001": 9.9, "000010": 9.8, "000011": 9.5, "000020": 9.5, "000021": 9.2, "000100": 10.0,
        "000101": 9.6, "000110": 9.3, "000111": 8.7, "000120": 9.1, "000121": 8.1, "000200": 9.3, "000201": 9.0,
        "000210": 8.9, "000211": 8.0, "000220": 8.1, "000221": 6.8, "001000": 9.8, "001001": 9.5, "001010": 9.5,
        "001011": 9.2, "001020": 9.0, "001021": 8.4, "001100": 9.3, "001101": 9.2, "001110": 8.9, "001111": 8.1,
        "001120": 8.1, "001121": 6.5, "001200": 8.8, "001201": 8.0, "001210": 7.8, "001211": 7.0, "001220": 6.9,
        "001221": 4.8, "002001": 9.2, "002011": 8.2, "002021": 7.2, "002101": 7.9, "002111": 6.9, "002121": 5.0,
        "002201": 6.9, "002211": 5.5, "002221": 2.7, "010000": 9.9, "010001": 9.7, "010010": 9.5, "010011": 9.2,
        "010020": 9.2, "010021": 8.5, "010100": 9.5, "010101": 9.1, "010110": 9.0, "010111": 8.3, "010120": 8.4,
        "010121": 7.1, "010200": 9.2, "010201": 8.1, "010210": 8.2, "010211": 7.1, "010220": 7.2, "010221": 5.3,
        "011000": 9.5, "011001": 9.3, "011010": 9.2, "011011": 8.5, "011020": 8.5, "011021": 7.3, "011100": 9.2,
        "011101": 8.2, "011110": 8.0, "011111": 7.2, "011120": 7.0, "011121": 5.9, "011200": 8.4, "011201": 7.0,
        "011210": 7.1, "011211": 5.2, "011220": 5.0, "011221": 3.0, "012001": 8.6, "012011": 7.5, "012021": 5.2,
        "012101": 7.1, "012111": 5.2, "012121": 2.9, "012201": 6.3, "012211": 2.9, "012221": 1.7, "100000": 9.8,
        "100001": 9.5, "100010": 9.4, "100011": 8.7, "100020": 9.1, "100021": 8.1, "100100": 9.4, "100101": 8.9,
        "100110": 8.6, "100111": 7.4, "100120": 7.7, "100121": 6.4, "100200": 8.7, "100201": 7.5, "100210": 7.4,
        "100211": 6.3, "100220": 6.3, "100221": 4.9, "101000": 9.4, "101001": 8.9, "101010": 8.8, "101011": 7.7,
        "101020": 7.6, "101021": 6.7, "101100": 8.6, "101101": 7.6, "101110": 7.4, "101111": 5.8, "101120": 5.9,
        "101121": 5.0, "101200": 7.2, "101201": 5.7, "101210": 5.7, "101211": 5.2, "101220": 5.2, "101221": 2.5,
        "102001": 8.3, "102011": 7.0, "102021": 5.4, "102101": 6.5, "102111": 5.8, "102121": 2.6, "102201": 5.3,
        "102211": 2.1, "102221": 1.3, "110000": 9.5, "110001": 9.0, "110010": 8.8, "110011": 7.6, "110020": 7.6,
        "110021": 7.0, "110100": 9.0, "110101": 7.7, "110110": 7.5, "110111": 6.2, "110120": 6.1, "110121": 5.3,
        "110200": 7.7, "110201": 6.6, "110210": 6.8, "110211": 5.9, "110220": 5.2, "110221": 3.0, "111000": 8.9,
        "111001": 7.8, "111010": 7.6, "111011": 6.7, "111020": 6.2, "111021": 5.8, "111100": 7.4, "111101": 5.9,
        "111110": 5.7, "111111": 5.7, "111120": 4.7, "111121": 2.3, "111200": 6.1, "111201": 5.2, "111210": 5.7,
        "111211": 2.9, "111220": 2.4, "111221": 1.6, "112001": 7.1, "112011": 5.9, "112021": 3.0, "112101": 5.8,
        "112111": 2.6, "112121": 1.5, "112201": 2.3, "112211": 1.3, "112221": 0.6, "200000": 9.3, "200001": 8.7,
        "200010": 8.6, "200011": 7.2, "200020": 7.5, "200021": 5.8, "200100": 8.6, "200101": 7.4, "200110": 7.4,
        "200111": 6.1, "200120": 5.6, "200121": 3.4, "200200": 7.0, "200201": 5.4, "200210": 5.2, "200211": 4.0,
        "200220": 4.0, "200221": 2.2, "201000": 8.5, "201001": 7.5, "201010": 7.4, "201011": 5.5, "201020": 6.2,
        "201021": 5.1, "201100": 7.2, "201101": 5.7, "201110": 5.5, "201111": 4.1, "201120": 4.6, "201121": 1.9,
        "201200": 5.3, "201201": 3.6, "201210": 3.4, "201211": 1.9, "201220": 1.9, "201221": 0.8, "202001": 6.4,
        "202011": 5.1, "202021": 2.0, "202101": 4.7, "202111": 2.1, "202121": 1.1, "202201": 2.4, "202211": 0.9,
        "202221": 0.4, "210000": 8.8, "210001": 7.5, "210010": 7.3, "210011": 5.3, "210020": 6.0, "210021": 5.0,
        "210100": 7.3, "210101": 5.5, "210110": 5.9, "210111": 4.0, "210120": 4.1, "210121": 2.0, "210200": 5.4,
        "210201": 4.3, "210210": 4.5, "210211": 2.2, "210220": 2.0, "210221": 1.1, "211000": 7.5, "211001": 5.5,
        "211010": 5.8, "211011": 4.5, "211020": 4.0, "211021": 2.1, "211100": 6.1, "211101": 5.1, "211110": 4.8,
        "211111": 1.8, "211120": 2.0, "211121": 0.9, "211200": 4.6, "211201": 1.8, "211210": 1.7, "211211": 0.7,
        "211220": 0.8, "211221": 0.2, "212001": 5.3, "212011": 2.4, "212021": 1.4, "212101": 2.4, "212111": 1.2,
        "212121": 0.5, "212201": 1.0, "212211": 0.3, "212221": 0.1,
    ]
}
