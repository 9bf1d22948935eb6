import Testing

extension Tag {
    @Tag static var unit: Self
    @Tag static var integration: Self
    @Tag static var endToEnd: Self
    @Tag static var property: Self
}
