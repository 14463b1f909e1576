export {
  type DomainVerifierOptions,
  domainVerifierLayer,
  makeDomainVerifier,
  registrableZone,
} from "./domainVerifier.js";
