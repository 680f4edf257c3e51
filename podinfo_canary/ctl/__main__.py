from podinfo_canary.ctl.app import main

main()
