export { type AssetStoreOptions, assetStoreLayer } from "./assetStore.js";
export { CachedAssets } from "./cachedAssets.js";
