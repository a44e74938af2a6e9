/// Values a secret-looking setting can take that hold no secret.
public enum SettingValue {
    /// A switch (`true`, `off`, ...), as YAML 1.1, TOML and environment variables spell them.
    public static func isSwitch(_ value: String) -> Bool {
        ["true", "false", "yes", "no", "on", "off"].contains(value.lowercased())
    }
}
