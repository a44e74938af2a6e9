import BerthCore
import Dockerfile

/// Ports exposed that the product does not serve: SSH, debug, JMX, ranges, or not in the allowed list.
public struct PortNotRequiredRule: DockerfileRule {
    public static let description = RuleDescription(
        id: "dockerfile-port-not-required", practice: .requiredPortsOnly, severity: .warning, target: .dockerfile,
        summary: "the image exposes a port it does not need (SSH, debug, JMX, a range, or one not allowed)",
        rationale: """
            The practice "Expose only required ports" (required-ports-only): SSH (22), JDWP debug (5005) \
            and JMX/RMI (9999, 11111, 1099) ports invite remote control of the JVM, and ranges expose \
            more than anyone reviewed. With allowedPorts configured for the image (matched against the \
            Dockerfile's path or its final base image), any other port is flagged too.
            """,
        fix: "Remove the port from EXPOSE; enable JMX or debugging only in a separate, non-production image.",
        triggering: [
            RuleExample("FROM wso2/wso2am:4.5.0\n↓EXPOSE 9443 9999 11111\n"),
            RuleExample("FROM alpine:3.20\n↓EXPOSE 22\n"),
            RuleExample("FROM alpine:3.20\n↓EXPOSE 8000-8100\n"),
            RuleExample(
                "FROM wso2/wso2am-tm:4.5.0\n↓EXPOSE 9443 8243\n",
                configuration: "allowedPorts:\n  \"wso2/wso2am-tm*\": [9443, 9611, 9711, 5672]\n"),
        ],
        nonTriggering: [
            RuleExample("FROM wso2/wso2am:4.5.0\nEXPOSE 9443 8243 8280\n"),
            RuleExample("FROM alpine:3.20 AS debug\nEXPOSE 5005\nFROM alpine:3.20\nEXPOSE 8080\n"),
            RuleExample(
                "FROM wso2/wso2am-tm:4.5.0\nEXPOSE 9443 9611\n",
                configuration: "allowedPorts:\n  \"wso2/wso2am-tm*\": [9443, 9611, 9711, 5672]\n"),
            RuleExample("FROM alpine:3.20\nARG PORT\nEXPOSE ${PORT}\n"),
        ],
        hadolintCodes: [])

    static let risky: [Int: String] = [
        22: "SSH", 5005: "Java debug (JDWP)", 9999: "JMX", 11111: "JMX RMI", 1099: "RMI registry",
    ]

    public init() {}

    public func check(_ context: DockerfileContext) -> [Finding] {
        guard let final = context.finalStage else { return [] }
        let candidates = [context.file] + [context.shippedStages.last?.image].compactMap { $0 }
        let allowed = candidates.lazy.compactMap { context.configuration.allowedPorts(for: $0) }.first
        var findings: [Finding] = []
        for (position, instruction) in final.instructions.enumerated() where instruction.keyword == "EXPOSE" {
            var problems: [String] = []
            for written in instruction.arguments {
                guard let value = Downloads.resolve(written, position: position, stage: final, context: context) else {
                    continue
                }
                let port = value.split(separator: "/").first.map(String.init) ?? value
                if port.contains("-") {
                    problems.append("\(value) is a range")
                    continue
                }
                guard let number = Int(port) else { continue }
                if let allowed {
                    if !allowed.contains(number) { problems.append("\(number) is not in allowedPorts") }
                } else if let name = Self.risky[number] {
                    problems.append("\(number) (\(name))")
                }
            }
            if !problems.isEmpty {
                findings.append(
                    context.finding(
                        Self.description, at: instruction, message: "exposes \(problems.joined(separator: ", "))"))
            }
        }
        return findings
    }
}
