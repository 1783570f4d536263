App {
  Set {
    +mechtron.name=shop,
    +wasm.src=${self.config.bundle}:/guests/shop.wat,
    +bind=${self.config.bundle}:/bind/shop.bind,
    +http=true
  }
}
