App {
  Set {
    +mechtron.name=ledger,
    +wasm.src=${self.config.bundle}:/guests/ledger.wat,
    +bind=${self.config.bundle}:/bind/ledger.bind
  }
}
