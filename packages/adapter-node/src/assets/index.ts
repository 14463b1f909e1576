export { type AssetStoreOptions, assetStoreLayer } from "./assetStore.js";
