// The package loaded by a real Node-RED 4.1 runtime, with the proposed node-red.nodes map.
import { definePackageLoad } from './package-load';

definePackageLoad('node-red');
