App {
  Set {
    +mechtron.name=ledger,
    +wasm.src=${self.config.bundle}:/wasm/ledger.wasm,
    +bind=${self.config.bundle}:/bind/ledger.bind
  }
}
