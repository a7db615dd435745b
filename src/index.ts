import { component } from "@prismatic-io/spectral";
import actions from "./actions";
import { handleError } from "./client";
import connections from "./connections";
import dataSources from "./dataSources";
import triggers from "./triggers";

export default component({
  key: "ms-dynamics",
  public: false,
  // Our drop-in keeps the keys of Prismatic's component, whose page documents them; this README adds what we add.
  documentationUrl: "https://prismatic.io/docs/components/ms-dynamics/",
  display: {
    label: "Microsoft Dynamics 365",
    description: "Query, create, update or delete Microsoft Dynamics 365 API records",
    iconPath: "icon.png",
    category: "Application Connectors",
  },
  hooks: { error: handleError },
  connections,
  actions,
  triggers,
  dataSources,
});
