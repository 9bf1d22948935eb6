import Testing

extension Tag {
    @Tag static var unit: Self
}
