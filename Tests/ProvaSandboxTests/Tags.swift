import Testing

extension Tag {
    /// Pure logic, no containers.
    @Tag static var unit: Self
    /// Real runc containers, real files; needs root and runc.
    @Tag static var integration: Self
}
