App {
  Set {
    +mechtron.name=profiles,
    +wasm.src=${self.config.bundle}:/wasm/profiles.wasm,
    +bind=${self.config.bundle}:/bind/profiles.bind
  }
}
