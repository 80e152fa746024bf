// The package loaded by a real Node-RED 5.x runtime, with the proposed node-red.nodes map.
import { definePackageLoad } from './package-load';

definePackageLoad('node-red-5');
